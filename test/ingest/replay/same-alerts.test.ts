import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert, Detector } from '../../../src/detect/types.js';
import { generateTraffic } from '../../../src/demo/traffic.js';
import { consume } from '../../../src/ingest/pipeline.js';
import { createReplay } from '../../../src/ingest/replay/index.js';
import type { PacerClock, Speed } from '../../../src/ingest/replay/pacer.js';
import type { AuditEvent } from '../../../src/model/event.js';
import { Engine } from '../../../src/model/engine.js';
import { T0, tempDir, writeLog } from './helpers.js';

/**
 * A windowed rule of the kind the detection engine has (count per key per window of event time):
 * a user with more than 40 requests within 5 s raises an alert, at most once per window.
 */
function burstDetector(): Detector {
  const seen = new Map<string, number[]>();
  const lastAlert = new Map<string, number>();
  return {
    evaluate(ev: AuditEvent): Alert[] {
      if (Number.isNaN(ev.ts) || ev.user === '') return [];
      const q = seen.get(ev.user) ?? [];
      q.push(ev.ts);
      while (q.length > 0 && q[0]! < ev.ts - 5_000) q.shift();
      seen.set(ev.user, q);
      if (q.length <= 40 || (lastAlert.get(ev.user) ?? -Infinity) > ev.ts - 5_000) return [];
      lastAlert.set(ev.user, ev.ts);
      return [{ ts: ev.time, tsMs: ev.ts, rule: 'burst', severity: 'medium', title: 'burst', message: `${ev.user} burst`, auditID: ev.auditID, user: ev.user, verb: ev.verb, resource: ev.resource, subresource: ev.subresource, namespace: ev.namespace, name: ev.name, sourceIP: ev.sourceIP, code: ev.code, groupKey: `burst:${ev.user}` }];
    },
    gap: () => [],
  };
}

const fakeClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Two stretches of realistic traffic (30 s each) with 20 minutes of silence between them. */
function writeIncidentLog(): string {
  const lines: string[] = [];
  for (const start of [T0, T0 + 30_000 + 20 * 60_000]) {
    const it = generateTraffic({ seed: start % 1000, start, eventsPerSecond: 300 });
    for (;;) {
      const ev = it.next().value as { stageTimestamp: string };
      if (Date.parse(ev.stageTimestamp) > start + 30_000) break;
      lines.push(JSON.stringify(ev));
    }
  }
  const dir = tempDir();
  writeLog(dir, 'audit.log.1', lines.slice(0, 4_000));
  writeLog(dir, 'audit.log', lines.slice(4_000));
  return dir;
}

async function replayAlerts(dir: string, speed: Speed, clock?: PacerClock): Promise<{ alerts: string[]; events: number; notices: string[] }> {
  const engine = new Engine({ bufferEvents: 100_000, bufferBytes: 256 << 20, detector: burstDetector() });
  const alerts: string[] = [];
  const notices: string[] = [];
  engine.subscribe({ onAlert: (a) => alerts.push(`${a.ts} ${a.rule} ${a.user} ${a.auditID}`) });
  const r = await createReplay({ paths: [dir], maxLineBytes: 16 << 20, speed, clock, onNotice: (m) => notices.push(m) });
  await consume(r.source, engine, { pace: r.pace });
  expect(r.pacer.status().finished).toBe(true);
  return { alerts, events: engine.counts.events, notices };
}

describe('replay speed does not change the result', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('raises the same alerts and counts at max speed and at 50x', async () => {
    const dir = writeIncidentLog();
    const atMax = await replayAlerts(dir, 'max');
    expect(atMax.alerts.length).toBeGreaterThan(0);

    // Only the pacer's timers are faked; file reads and the pipeline's setImmediate stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const start = Date.now();
    let done = false;
    const run = replayAlerts(dir, 50, fakeClock).finally(() => (done = true));
    while (!done) {
      await vi.advanceTimersToNextTimerAsync();
      await new Promise((r) => setImmediate(r));
    }
    const at50 = await run;
    const wall = Date.now() - start;

    expect(at50.alerts).toEqual(atMax.alerts);
    expect(at50.events).toBe(atMax.events);
    // paced: 60 s of traffic at 50x is 1.2 s, plus the 20-minute lull shortened to 1 s
    expect(at50.notices).toEqual(['skipped 20m of silence']);
    expect(wall).toBeGreaterThan(2_000);
    expect(wall).toBeLessThan(2_500);
  });
});
