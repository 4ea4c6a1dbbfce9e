import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDetector } from '../../../src/detect/index.js';
import { incidentEvents, interleave, scriptIncident } from '../../../src/demo/incident.js';
import { generateTraffic } from '../../../src/demo/traffic.js';
import { consume } from '../../../src/ingest/pipeline.js';
import { createReplay } from '../../../src/ingest/replay/index.js';
import type { PacerClock, Speed } from '../../../src/ingest/replay/pacer.js';
import { Engine } from '../../../src/model/engine.js';
import { T0, tempDir, writeLog } from './helpers.js';

const fakeClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The scripted incident (anonymous probes, a burst of 403s, secret read, exec, cluster-admin binding,
 * privileged pod, deletes, impersonation) inside normal traffic, written as a rotated set with a long
 * lull in the middle, replayed through the built-in rules.
 */
function writeIncident(): string {
  const lines: string[] = [];
  const first = incidentEvents(scriptIncident({ start: T0 + 5_000, stepMs: 3_000 }));
  for (const ev of interleave(generateTraffic({ seed: 11, start: T0, eventsPerSecond: 200 }), first, 8_000)) lines.push(JSON.stringify(ev));
  const later = T0 + 3 * 3_600_000; // three hours later the story repeats
  const second = incidentEvents(scriptIncident({ start: later + 5_000, stepMs: 3_000, run: 1 }));
  for (const ev of interleave(generateTraffic({ seed: 12, start: later, eventsPerSecond: 200 }), second, 8_000)) lines.push(JSON.stringify(ev));
  const dir = tempDir();
  writeLog(dir, 'audit.log.2.gz', lines.slice(0, 5_000));
  writeLog(dir, 'audit.log.1', lines.slice(5_000, 11_000));
  writeLog(dir, 'audit.log', lines.slice(11_000));
  return dir;
}

async function alertsAt(dir: string, speed: Speed, clock?: PacerClock): Promise<string[]> {
  const engine = new Engine({ bufferEvents: 100_000, bufferBytes: 256 << 20, detector: createDetector() });
  const alerts: string[] = [];
  engine.subscribe({ onAlert: (a) => alerts.push(`${a.ts} ${a.rule} ${a.severity} ${a.auditID} ${a.message}`) });
  const r = await createReplay({ paths: [dir], maxLineBytes: 16 << 20, speed, clock });
  await consume(r.source, engine, { pace: r.pace });
  return alerts;
}

describe('replay speed does not change what the built-in rules raise', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the incident raises the same alerts at max speed and at 50x', async () => {
    const dir = writeIncident();
    const atMax = await alertsAt(dir, 'max');
    expect(new Set(atMax.map((a) => a.split(' ')[1])).size).toBeGreaterThanOrEqual(8);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let done = false;
    const run = alertsAt(dir, 50, fakeClock).finally(() => (done = true));
    while (!done) {
      await vi.advanceTimersToNextTimerAsync();
      await new Promise((r) => setImmediate(r));
    }
    expect(await run).toEqual(atMax);
  });
});
