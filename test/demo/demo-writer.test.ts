import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoWriter, eventTime, lumberjackName } from '../../src/demo/demo.js';

describe('DemoWriter', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const linesIn = (d: string): string[] =>
    readdirSync(d)
      .sort((a, b) => (a === 'audit.log' ? 1 : b === 'audit.log' ? -1 : a.localeCompare(b)))
      .flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n').filter(Boolean));

  it('names backups as lumberjack does', () => {
    expect(lumberjackName('audit.log', Date.UTC(2026, 10, 21, 10, 0, 5, 123))).toBe('audit-2026-11-21T10-00-05.123.log');
  });

  it('writes history at once, then appends at wall-clock pace, rotating with lumberjack names', () => {
    dir = mkdtempSync(join(tmpdir(), 'auditop-demo-test-'));
    let now = Date.UTC(2026, 10, 21, 10, 0, 0);
    const w = new DemoWriter({ dir, eventsPerSecond: 100, rotateLines: 1500, maxBackups: 2, historyMs: 10_000, now: () => now });
    w.tick();
    expect(w.linesWritten).toBeGreaterThan(700);
    expect(w.linesWritten).toBeLessThan(1300);
    for (let i = 0; i < 400; i++) {
      now += 100;
      w.tick();
    }
    w.stop();
    // 50 s of event time at 100/s: ~5,000 lines, rotated every 1,500
    expect(w.rotations).toBeGreaterThanOrEqual(2);
    const files = readdirSync(dir).sort();
    expect(files).toContain('audit.log');
    const backups = files.filter((f) => f !== 'audit.log');
    expect(backups.length).toBe(2);
    for (const b of backups) expect(b).toMatch(/^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
    const lines = linesIn(dir);
    const times = lines.map((l) => eventTime(JSON.parse(l) as Record<string, unknown>));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times[times.length - 1]!).toBeLessThanOrEqual(now);
  });

  it('interleaves the scripted incident in event-time order and repeats it', () => {
    dir = mkdtempSync(join(tmpdir(), 'auditop-demo-test-'));
    let now = Date.UTC(2026, 10, 21, 10, 0, 0);
    const script = (start: number, stepMs: number, run: number) =>
      [0, 1, 2].map((i) => ({ auditID: `incident-${run}-${i}`, stage: 'ResponseComplete', verb: 'get', stageTimestamp: new Date(start + i * stepMs).toISOString() }));
    const w = new DemoWriter({ dir, eventsPerSecond: 20, historyMs: 1000, incident: script, incidentDelayMs: 2000, incidentStepMs: 1000, incidentEveryMs: 10_000, now: () => now });
    for (let i = 0; i < 150; i++) {
      now += 100;
      w.tick();
    }
    w.stop();
    const ids = linesIn(dir)
      .map((l) => (JSON.parse(l) as { auditID: string }).auditID)
      .filter((id) => id.startsWith('incident-'));
    expect(ids).toEqual(['incident-0-0', 'incident-0-1', 'incident-0-2', 'incident-1-0', 'incident-1-1', 'incident-1-2']);
  });
});
