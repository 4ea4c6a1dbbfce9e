import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentEvents, scriptIncident } from '../../src/demo/incident.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { CliTerm, spawnCli, tempDir } from './harness.js';

// Following a live file on screen, and the demo a newcomer starts with `npm start`.
describe('live screen, end to end', () => {
  let t: CliTerm | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
    cleanup?.();
    cleanup = undefined;
  });

  it('follows a growing file through a rotation, and shows an alert when an attack is appended', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const path = join(tmp.dir, 'audit.log');
    const start = Date.now() - 60_000;
    const traffic = generateTraffic({ seed: 3, start, eventsPerSecond: 20 });
    const lines = (n: number): string => Array.from({ length: n }, () => `${JSON.stringify(traffic.next().value)}\n`).join('');
    // the feed's title counts requests (stages merged), so compare counts rather than lines
    const feedCount = (s: string): number => Number(/Feed ([\d,]+)/.exec(s)?.[1]?.replace(/,/g, '') ?? -1);
    writeFileSync(path, lines(300));
    t = spawnCli([path], { cols: 120, rows: 40 });
    await t.waitFor((s) => feedCount(s) > 150 && s.includes('follow'));
    const n0 = feedCount(t.screen());
    appendFileSync(path, lines(200));
    await t.waitFor((s) => feedCount(s) > n0 + 100);
    const n1 = feedCount(t.screen());
    // lumberjack rotation: rename, then a new file
    renameSync(path, join(tmp.dir, 'audit-2026-11-21T10-00-00.000.log'));
    writeFileSync(path, lines(100));
    await t.waitFor((s) => feedCount(s) > n1 + 50);
    const exec = incidentEvents(scriptIncident({ start: Date.now(), stepMs: 1000 })).filter((e) => (e.objectRef as { subresource?: string } | undefined)?.subresource === 'exec');
    appendFileSync(path, exec.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await t.waitFor((s) => s.includes('Exec') && s.includes('mallory@example.com'));
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
  });

  it('space freezes the view while reading goes on, counts what arrives, and resumes', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const path = join(tmp.dir, 'audit.log');
    const traffic = generateTraffic({ seed: 5, start: Date.now() - 30_000, eventsPerSecond: 20 });
    const lines = (n: number): string => Array.from({ length: n }, () => `${JSON.stringify(traffic.next().value)}\n`).join('');
    const feedCount = (s: string): number => Number(/Feed ([\d,]+)/.exec(s)?.[1]?.replace(/,/g, '') ?? -1);
    writeFileSync(path, lines(200));
    t = spawnCli([path], { cols: 120, rows: 40 });
    await t.waitFor((s) => feedCount(s) > 100);
    t.press('pause');
    await t.waitFor('PAUSED +0 new');
    const frozen = feedCount(t.screen());
    appendFileSync(path, lines(150));
    await t.waitFor(/PAUSED \+150 new/);
    expect(feedCount(t.screen())).toBe(frozen);
    t.press('pause');
    await t.waitFor((s) => !s.includes('PAUSED') && feedCount(s) > frozen + 50);
    t.press('quit');
    await t.waitExit();
  });

  it('the demo brings every pane to life within seconds', async () => {
    t = spawnCli(['demo'], { cols: 160, rows: 48 });
    await t.waitFor((s) => /Feed [\d,]+/.test(s) && /Top users/.test(s) && /system:node:worker/.test(s), { timeout: 15_000 });
    await t.waitFor((s) => /Alerts \d+/.test(s) && s.includes('mallory@example.com'), { timeout: 30_000 });
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
  });
});
