/**
 * Writes demo-logs/incident.log (`node dist/demo/make-incident-log.js`): six minutes of a 12-node
 * cluster's normal traffic with the scripted intrusion (src/demo/incident.ts) two minutes in, one
 * step every 20 s: what `auditop replay demo-logs/incident.log` plays. Deterministic: the same
 * generator versions write byte-identical files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { incidentEvents, interleave, scriptIncident } from './incident.js';
import { generateTraffic } from './traffic.js';

export const INCIDENT_LOG = {
  file: 'incident.log',
  seed: 20261122,
  /** event time of the first line */
  start: Date.UTC(2026, 10, 21, 13, 58, 0),
  eventsPerSecond: 10,
  /** traffic lines (six minutes at 10/s) */
  count: 3600,
  /** the first incident step, after two quiet minutes */
  incidentAfterMs: 120_000,
  stepMs: 20_000,
};

/** The log's lines, in event-time order. */
export function incidentLogLines(o = INCIDENT_LOG): string[] {
  const traffic = generateTraffic({ seed: o.seed, start: o.start, eventsPerSecond: o.eventsPerSecond });
  const incident = incidentEvents(scriptIncident({ start: o.start + o.incidentAfterMs, stepMs: o.stepMs }));
  const out: string[] = [];
  for (const ev of interleave(traffic, incident, o.count)) out.push(JSON.stringify(ev));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = join(fileURLToPath(new URL('../../demo-logs', import.meta.url)), INCIDENT_LOG.file);
  const lines = incidentLogLines();
  writeFileSync(path, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${path}: ${lines.length} events\n`);
}
