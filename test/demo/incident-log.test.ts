import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { incidentLogLines, INCIDENT_LOG } from '../../src/demo/make-incident-log.js';
import { scriptIncident } from '../../src/demo/incident.js';
import { createDetector } from '../../src/detect/index.js';
import { decodeLine } from '../../src/ingest/decode.js';
import { Engine } from '../../src/model/engine.js';

describe('demo-logs/incident.log', () => {
  const lines = incidentLogLines();

  it('is what the generator writes (regenerate with node dist/demo/make-incident-log.js)', () => {
    const saved = readFileSync(new URL('../../demo-logs/incident.log', import.meta.url), 'utf8');
    expect(saved).toBe(`${lines.join('\n')}\n`);
  });

  it('replays to exactly the incident steps as alerts, in order, among normal traffic', () => {
    const engine = new Engine({ bufferEvents: 10_000, bufferBytes: 64 << 20, detector: createDetector({}) });
    for (const l of lines) decodeLine(l, 'incident.log', engine);
    expect(engine.counts.malformed).toBe(0);
    expect(engine.counts.events).toBeGreaterThan(INCIDENT_LOG.count);
    const rules = Array.from({ length: engine.alerts.size }, (_, i) => engine.alerts.at(i)!.rule);
    const steps = scriptIncident({ start: INCIDENT_LOG.start + INCIDENT_LOG.incidentAfterMs, stepMs: INCIDENT_LOG.stepMs });
    expect(rules).toEqual(steps.map((s) => s.rule));
  });
});
