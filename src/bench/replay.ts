/**
 * `replay` bench section (issue 6 target: a 60 s log at `--speed 60` takes 1 s ± 0.2 s more than at
 * `--speed max`). Writes realistic 60-second logs (the demo traffic generator at 10 and 100 events/s),
 * then runs the built CLI as a user would — `auditop replay FILE --no-tui --print summary
 * --speed S` — alternating max and 60, and reports the median wall time of each, their difference
 * and its error against the expected span/60.
 *
 * Why alternate and take medians: the machine is shared, and a neighbour's burst would otherwise land
 * on one speed only.
 *
 * Run: `npm run build && node dist/bench/replay.js [runs]` (also part of `npm run bench`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTraffic } from '../demo/traffic.js';
import { screenReplayBench } from './replay-screen.js';
import type { BenchContext, BenchSection } from './sections.js';

/**
 * Event rates of the bench logs: a quiet cluster (10/s, like demo-logs/quiet-day.log) and a small busy
 * one (100/s). At the higher rate decoding takes long enough to show in the difference (see emptyS).
 */
const RATES = [10, 100] as const;
/** The log length and speed: one second of wall time expected. */
const LOG_SECONDS = 60;
const SPEED = 60;
/** Target tolerance on the paced-minus-unpaced time (issue 6). */
const TOLERANCE_S = 0.2;
const DEFAULT_RUNS = 5;

export interface ReplayBenchResult {
  eventsPerSecond: number;
  events: number;
  /** first to last event time of the log, s */
  spanS: number;
  runs: number;
  /** median wall time of the CLI at --speed max and at --speed 60, s */
  maxS: number;
  pacedS: number;
  /** pacedS − maxS: what pacing added (the figure) */
  addedS: number;
  /** expected addition: spanS / 60 */
  expectedS: number;
  errorS: number;
  /**
   * median wall time of the same command on an empty log (process start, module load, exit), and
   * pacedS − emptyS − expectedS: how late the paced replay ends. Reported beside addedS because the
   * pacer decodes while it waits, so addedS comes out short by the decoding it hides (≈ maxS − emptyS).
   */
  emptyS: number;
  pacedLateS: number;
  target: string;
  pass: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wall time of one CLI run in seconds; rejects when it does not exit 0. */
function timeCli(cli: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) resolve(s);
      else reject(new Error(`auditop ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** One log per rate in RATES. `cli` is the built dist/cli.js. */
export async function replayBench(cli: string, runs = DEFAULT_RUNS, log: (m: string) => void = () => undefined): Promise<ReplayBenchResult[]> {
  const out: ReplayBenchResult[] = [];
  for (const rate of RATES) {
    log(`replay: 60 s log at ${rate} events/s, ${runs} runs each at --speed max and --speed ${SPEED}`);
    out.push(await benchOne(cli, rate, runs));
  }
  return out;
}

/** The `replay` section of `npm run bench` (src/bench/sections.ts). */
export const replaySection: BenchSection = {
  name: 'replay',
  description: `pacing error (a ${LOG_SECONDS} s log at --speed ${SPEED} vs --speed max); the bench file replayed on screen vs headless`,
  async run(ctx: BenchContext): Promise<Record<string, unknown>> {
    const pacing = await replayBench(ctx.cli, DEFAULT_RUNS, (m) => ctx.log(m));
    // The on-screen figure needs the screen in this build (dist/ui/run-tui.js).
    const screen = existsSync(join(dirname(ctx.cli), 'ui', 'run-tui.js'))
      ? await screenReplayBench(ctx.cli, await ctx.trafficFile(), ctx.events, (m) => ctx.log(m))
      : 'not measured: the screen is not in this build';
    return { pacing, screen };
  },
};

async function benchOne(cli: string, eventsPerSecond: number, runs: number): Promise<ReplayBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'auditop-bench-replay-'));
  try {
    const start = Date.parse('2026-11-20T09:00:00Z');
    const it = generateTraffic({ seed: 6, start, eventsPerSecond });
    const lines: string[] = [];
    let first = NaN;
    let last = NaN;
    for (;;) {
      const ev = it.next().value as { stageTimestamp: string };
      const t = Date.parse(ev.stageTimestamp);
      if (t > start + LOG_SECONDS * 1000) break;
      if (Number.isNaN(first)) first = t;
      last = t;
      lines.push(JSON.stringify(ev));
    }
    const file = join(dir, 'audit.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const base = ['replay', file, '--no-tui', '--print', 'summary'];
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const maxRuns: number[] = [];
    const pacedRuns: number[] = [];
    const emptyRuns: number[] = [];
    await timeCli(cli, [...base, '--speed', 'max']); // warm the page cache and the module cache
    for (let i = 0; i < runs; i++) {
      maxRuns.push(await timeCli(cli, [...base, '--speed', 'max']));
      pacedRuns.push(await timeCli(cli, [...base, '--speed', String(SPEED)]));
      emptyRuns.push(await timeCli(cli, ['replay', empty, '--no-tui', '--print', 'summary', '--speed', String(SPEED)]));
    }
    const spanS = (last - first) / 1000;
    const maxS = median(maxRuns);
    const pacedS = median(pacedRuns);
    const expectedS = spanS / SPEED;
    const addedS = pacedS - maxS;
    const emptyS = median(emptyRuns);
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    return {
      eventsPerSecond,
      events: lines.length,
      spanS: round(spanS),
      runs,
      maxS: round(maxS),
      pacedS: round(pacedS),
      addedS: round(addedS),
      expectedS: round(expectedS),
      errorS: round(addedS - expectedS),
      emptyS: round(emptyS),
      pacedLateS: round(pacedS - emptyS - expectedS),
      target: `a ${LOG_SECONDS} s log at --speed ${SPEED} takes 1 s ± ${TOLERANCE_S} s more than at --speed max`,
      pass: Math.abs(addedS - 1) <= TOLERANCE_S,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = process.argv[2] === undefined ? DEFAULT_RUNS : Number(process.argv[2]);
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');
  const result = await replayBench(cli, runs, (m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${JSON.stringify({ replay: result }, null, 2)}\n`);
}
