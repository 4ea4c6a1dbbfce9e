/**
 * Bench section `rules` (issue 4 targets):
 *  - alerts raised on the generated normal traffic, and how many are attributed to control-plane
 *    identities (target: 0);
 *  - replay time with the rules on vs off, in this process over the same file (file source → decode
 *    → Engine), alternating off/on twice and keeping the best of each (target: ≤ 15% more), as wall
 *    time and as this process's CPU time (steadier when other work shares the machine);
 *  - the detector alone per event, over pre-decoded events (the part that is the rules' own cost,
 *    free of the machine's I/O noise);
 *  - --alerts-file: cost of one synchronous append per alert on an fd opened once.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetector } from '../detect/index.js';
import { NO_DETECTOR, type Alert, type Detector } from '../detect/types.js';
import { decodeLine } from '../ingest/decode.js';
import { openFileSource } from '../ingest/file-source.js';
import { DEFAULT_MAX_LINE_BYTES } from '../ingest/lines.js';
import { consume } from '../ingest/pipeline.js';
import { Engine } from '../model/engine.js';
import { isFinalStage, type AuditEvent } from '../model/event.js';
import { alertRecord } from '../print.js';

/** What this section needs from the bench runner (src/bench/sections.ts BenchContext). */
export interface RulesBenchContext {
  events: number;
  trafficFile(): Promise<string>;
  log(message: string): void;
}

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;

async function replay(path: string, detector: Detector): Promise<{ ms: number; cpuMs: number; events: number; alerts: Alert[] }> {
  const engine = new Engine({ bufferEvents: 100_000, bufferBytes: 256 * 1024 * 1024, detector });
  const alerts: Alert[] = [];
  engine.subscribe({ onAlert: (a) => void alerts.push(a) });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await consume(openFileSource([path], { maxLineBytes: DEFAULT_MAX_LINE_BYTES }), engine);
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, events: engine.counts.events, alerts };
}

/** The detector alone over the first `n` events of the file, decoded up front (best of 3 runs). */
async function evalCost(path: string, n: number): Promise<number> {
  const events: AuditEvent[] = [];
  const sink = { event: (e: AuditEvent) => void events.push(e), malformed: () => undefined };
  const src = openFileSource([path], { maxLineBytes: DEFAULT_MAX_LINE_BYTES });
  outer: for await (const item of src.items()) {
    if (item.kind !== 'lines') continue;
    for (const l of item.lines) {
      decodeLine(l, path, sink);
      if (events.length >= n) break outer;
    }
  }
  await src.close();
  const seen = new Set<string>();
  const ctxs = events.map((e) => {
    const first = !seen.has(e.auditID);
    seen.add(e.auditID);
    return { firstStage: first, finalStage: isFinalStage(e.stage) };
  });
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const d = createDetector();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i++) d.evaluate(events[i] as AuditEvent, ctxs[i] as { firstStage: boolean; finalStage: boolean });
    best = Math.min(best, ((performance.now() - t0) * 1e6) / events.length);
  }
  return best;
}

/** --alerts-file as run.ts does it: one fd in append mode, one writeSync per alert line. */
function alertsFileCost(sample: Alert, n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'auditop-bench-alerts-'));
  try {
    const fd = openSync(join(dir, 'alerts.jsonl'), 'a');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) writeSync(fd, `${JSON.stringify(alertRecord(sample))}\n`);
    const us = ((performance.now() - t0) * 1000) / n;
    closeSync(fd);
    return us;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const rulesSection = {
  name: 'rules',
  description: 'detection: alerts on normal traffic (control-plane ones must be 0), replay time rules on vs off (≤ 15%), --alerts-file cost',
  async run(ctx: RulesBenchContext): Promise<Record<string, unknown>> {
    const path = await ctx.trafficFile();
    const classifier = createDetector();
    // CPU time of this process is the steadier figure on a shared machine; wall time is reported too
    const times = { off: Infinity, on: Infinity };
    const cpu = { off: Infinity, on: Infinity };
    let onRun: Awaited<ReturnType<typeof replay>> | undefined;
    for (const mode of ['off', 'on', 'off', 'on'] as const) {
      ctx.log(`rules: replay with rules ${mode}…`);
      const r = await replay(path, mode === 'on' ? createDetector() : NO_DETECTOR);
      times[mode] = Math.min(times[mode], r.ms);
      cpu[mode] = Math.min(cpu[mode], r.cpuMs);
      if (mode === 'on') onRun = r;
    }
    const alerts = onRun?.alerts ?? [];
    const byRule: Record<string, number> = {};
    for (const a of alerts) byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
    const controlPlane = alerts.filter((a) => a.user !== '' && classifier.classify(a.user) === 'control-plane');
    ctx.log('rules: detector alone…');
    const evalNs = await evalCost(path, Math.min(ctx.events, 200_000));
    const perEventOffNs = (times.off * 1e6) / (onRun?.events ?? 1);
    const sample = createDetector().gap({ ts: Date.now(), source: 'bench', kind: 'truncated', message: 'bench sample alert' })[0] as Alert;
    return {
      events: onRun?.events ?? 0,
      alerts: alerts.length,
      alertsByRule: byRule,
      controlPlaneAlerts: controlPlane.length,
      controlPlaneAlertsTarget: 0,
      replayOffSeconds: round(times.off / 1000, 2),
      replayOnSeconds: round(times.on / 1000, 2),
      overheadPercent: round(((times.on - times.off) / times.off) * 100, 1),
      replayOffCpuSeconds: round(cpu.off / 1000, 2),
      replayOnCpuSeconds: round(cpu.on / 1000, 2),
      cpuOverheadPercent: round(((cpu.on - cpu.off) / cpu.off) * 100, 1),
      overheadTargetPercent: 15,
      detectorNsPerEvent: round(evalNs),
      detectorShareOfReplayPercent: round((evalNs / perEventOffNs) * 100, 1),
      alertsFileMicrosPerAlert: round(alertsFileCost(sample, 20_000), 2),
    };
  },
};
