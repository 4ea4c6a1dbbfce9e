/**
 * Issue 6's on-screen target, measured as a user would see it: `auditop replay FILE --speed max` with
 * the screen in a pseudo-terminal (node-pty, the screen read back through a headless xterm) must
 * finish the 1M-event bench file within 1.3× the headless time (`--no-tui --print summary`), and keys
 * must still answer within 150 ms while it replays (`?` opens help, Esc closes it; time from the key
 * to the frame that shows the change). The time is taken from runs nobody types into, the key
 * latencies from runs with keystroke probes (see RUNS).
 *
 * "Finished" on screen is the status bar's "replay finished"; headless is the process exit.
 */
import { spawn } from 'node:child_process';

/** How often the screen is read back while waiting: well under the 150 ms being measured. */
const POLL_MS = 10;
/**
 * Pause between keystroke probes, so they sample the whole replay rather than its start: ~15 probes
 * in a ~8 s replay (at 1 s there were 7, too few for a 95th percentile; at 250 ms the probes' own
 * frames, two per probe, added ~0.5 s to the replay they measure).
 */
const KEY_INTERVAL_MS = 500;
/** The help overlay's title (src/ui): its appearance is the frame that answers the key. */
const HELP_TITLE = 'Help: keys';
/** A replay that has not finished after this long is reported as such rather than waited for. */
const GIVE_UP_MS = 10 * 60_000;

export interface ScreenReplayResult {
  events: number;
  /** the watched run with the median ratio: mean of the headless runs just before and just after it */
  headlessS: number;
  headlessRunsS: [number, number];
  screenS: number;
  ratio: number;
  /** the ratios of the runs with keystroke probes (their own frames are load too) */
  ratioWhileProbing: number[];
  /** every screen run, in the order measured */
  rounds: { probed: boolean; screenS: number; headlessS: number; ratio: number; keyP95Ms?: number }[];
  /** every keystroke probe of the probed runs */
  keyLatencyMs: { n: number; p50: number; p95: number; max: number };
  target: string;
  pass: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function headlessSeconds(cli: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'replay', file, '--no-tui', '--print', 'summary', '--speed', 'max'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`headless replay exited ${code}`))));
  });
}

/**
 * The screen runs, in order: false = watched only (the time figure), true = with keystroke probes
 * (the keys figure). Each runs between two headless runs (H S H S H S H S H S H) and is compared
 * with their mean: this machine's speed drifts by 10-20% over a minute, and one headless run first
 * put all of that drift on the ratio's side (1.12-1.40x for the same build). The two figures come
 * from separate runs because the probes are load of their own: two frames per probe (help opens,
 * help closes), 30-100 ms each, twice a second, where a user watching the replay presses nothing.
 * The ratio of the probed runs is reported too (ratioWhileProbing).
 */
const RUNS: readonly boolean[] = [false, true, false, true, false];

interface Round {
  probed: boolean;
  screenS: number;
  headlessS: number;
  headlessRunsS: [number, number];
  ratio: number;
  latencies: number[];
}

export async function screenReplayBench(cli: string, file: string, events: number, log: (m: string) => void = () => undefined): Promise<ScreenReplayResult> {
  log('replay-screen: headless replay of the bench file');
  const headless = [await headlessSeconds(cli, file)];
  const rounds: Round[] = [];
  for (const [i, probed] of RUNS.entries()) {
    log(`replay-screen: run ${i + 1} of ${RUNS.length}: on screen (120x40 pty)${probed ? ', pressing keys' : ''}`);
    const { screenS, latencies } = await screenRun(cli, file, probed);
    log('replay-screen: headless again');
    headless.push(await headlessSeconds(cli, file));
    const before = headless[i] as number;
    const after = headless[i + 1] as number;
    const headlessS = (before + after) / 2;
    // a screen run that never showed "replay finished" (NaN) ranks last
    rounds.push({ probed, screenS, headlessS, headlessRunsS: [before, after], ratio: Number.isNaN(screenS) ? Infinity : screenS / headlessS, latencies });
  }
  const plain = rounds.filter((r) => !r.probed);
  const probed = rounds.filter((r) => r.probed);
  const mid = [...plain].sort((a, b) => a.ratio - b.ratio)[Math.floor(plain.length / 2)] as Round;
  const latencies = probed.flatMap((r) => r.latencies);
  const p95 = pct(latencies, 95);
  return {
    events,
    headlessS: round(mid.headlessS),
    headlessRunsS: [round(mid.headlessRunsS[0]), round(mid.headlessRunsS[1])],
    screenS: round(mid.screenS),
    ratio: round(mid.ratio),
    ratioWhileProbing: probed.map((r) => round(r.ratio)),
    rounds: rounds.map((r) => ({ probed: r.probed, screenS: round(r.screenS), headlessS: round(r.headlessS), ratio: round(r.ratio), ...(r.probed ? { keyP95Ms: round(pct(r.latencies, 95), 1) } : {}) })),
    keyLatencyMs: { n: latencies.length, p50: round(pct(latencies, 50), 1), p95: round(p95, 1), max: round(Math.max(...latencies), 1) },
    target: 'on screen at full speed, the bench file finishes within 1.3x the headless time and keys answer within 150 ms',
    pass: mid.ratio <= 1.3 && p95 <= 150,
  };
}

/**
 * One replay of the bench file on screen: seconds until "replay finished", and with `probeKeys` the
 * keystroke probes' latencies.
 */
async function screenRun(cli: string, file: string, probeKeys: boolean): Promise<{ screenS: number; latencies: number[] }> {
  const pty = await import('node-pty');
  const { default: xterm } = await import('@xterm/headless');
  const cols = 120;
  const rows = 40;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', LANG: 'C.UTF-8' })) if (v !== undefined) env[k] = v;
  const t0 = performance.now();
  const proc = pty.spawn(process.execPath, [cli, 'replay', file, '--speed', 'max'], { name: 'xterm-256color', cols, rows, env });
  let parsed: Promise<void> = Promise.resolve();
  proc.onData((d) => {
    parsed = parsed.then(() => new Promise<void>((res) => term.write(d, res)));
  });
  let exited = false;
  proc.onExit(() => (exited = true));
  const screen = async (): Promise<string> => {
    await parsed;
    const b = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return out.join('\n');
  };
  const waitFor = async (pred: (s: string) => boolean, timeoutMs: number): Promise<number> => {
    const start = performance.now();
    for (;;) {
      if (pred(await screen())) return performance.now();
      if (exited || performance.now() - start > timeoutMs) return Number.NaN;
      await sleep(POLL_MS);
    }
  };

  const latencies: number[] = [];
  let finishedAt = Number.NaN;
  try {
    // first frame, then probe keys until the replay finishes
    await waitFor((s) => /replay/.test(s), 30_000);
    for (;;) {
      if ((await screen()).includes('replay finished')) {
        finishedAt = performance.now();
        break;
      }
      if (exited || performance.now() - t0 > GIVE_UP_MS) break;
      if (!probeKeys) {
        await sleep(POLL_MS);
        continue;
      }
      const at = performance.now();
      proc.write('?');
      const opened = await waitFor((s) => s.includes(HELP_TITLE), 2_000);
      if (!Number.isNaN(opened)) latencies.push(opened - at);
      proc.write('\x1b');
      await waitFor((s) => !s.includes(HELP_TITLE), 2_000);
      const next = performance.now() + KEY_INTERVAL_MS;
      while (performance.now() < next) {
        if ((await screen()).includes('replay finished')) break;
        await sleep(50);
      }
    }
  } finally {
    proc.write('q');
    const quitBy = performance.now() + 5_000;
    while (!exited && performance.now() < quitBy) await sleep(50);
    if (!exited) proc.kill();
  }
  const screenS = (finishedAt - t0) / 1000;
  return { screenS, latencies };
}
