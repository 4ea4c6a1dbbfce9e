/**
 * Bench section `screen` (issue 5 targets): the real App rendered by Ink into the real ScreenWriter
 * over a fake 120×40 terminal that counts what it is sent, while events are decoded into a real
 * Engine at a fixed rate; then the CLI's time to its first full frame in a pseudo-terminal.
 *
 * Figures: frames/s and bytes/s written while 2,000 events/s arrive; bytes written over seconds of
 * quiet (only the status clock may tick); keystroke → updated frame (help overlay toggled while
 * ingesting), p50/p95; CPU of the process during the load; ms from spawn to first full frame.
 */
import { fileURLToPath } from 'node:url';
import { NO_DETECTOR } from '../detect/types.js';
import { decodeLine } from '../ingest/decode.js';
import { Engine } from '../model/engine.js';
import { generateTraffic } from '../demo/traffic.js';
import { Store } from '../state/store.js';
import { CLOCK_COLS, clock } from '../ui/format.js';
import { ScreenWriter } from '../ui/screen-writer.js';
import { makeTheme } from '../ui/theme.js';
import { FakeStdin, FakeTty } from './fake-tty.js';
import type { BenchContext, BenchSection } from './sections.js';

export interface ScreenBenchOptions {
  cols?: number;
  rows?: number;
  eventsPerSecond?: number;
  loadSeconds?: number;
  quietSeconds?: number;
  keystrokes?: number;
  log?: (m: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

export async function benchScreenRender(o: ScreenBenchOptions = {}): Promise<Record<string, unknown>> {
  const cols = o.cols ?? 120;
  const rows = o.rows ?? 40;
  const eps = o.eventsPerSecond ?? 2000;
  const loadS = o.loadSeconds ?? 10;
  const quietS = o.quietSeconds ?? 3;
  const log = o.log ?? (() => undefined);
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const env = process.env;
  env.NODE_ENV ??= 'production';
  const ink = await import('ink');
  const React = await import('react');
  const { App } = await import('../ui/App.js');
  const { MAX_FPS } = await import('../ui/run-tui.js');

  const engine = new Engine({ bufferEvents: 100_000, bufferBytes: 256 * 1024 * 1024, detector: NO_DETECTOR });
  const store = new Store(engine, { feedEnd: null, feedPage: 30, topDim: 'users', topWindow: '5m', topN: 10, paused: false });
  const tty = new FakeTty(cols, rows);
  const screen = new ScreenWriter(tty);
  const stdin = new FakeStdin();
  const theme = makeTheme({ color: true, ascii: false });
  // as run-tui draws it: the writer keeps the status clock, so a tick is no frame
  screen.startClock(() => theme.paint(clock(Date.now()), 'dim'), CLOCK_COLS);
  const app = React.createElement(App, { store, engine, cols, rows, theme, source: 'bench', mode: 'follow', onQuit: () => undefined, externalClock: true });
  const inst = ink.render(app, { stdout: screen as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, patchConsole: false, exitOnCtrlC: false, maxFps: MAX_FPS });

  // event times follow the wall clock, as when following a live log
  const traffic = generateTraffic({ seed: 7, start: Date.now(), eventsPerSecond: eps });
  const lines: string[] = [];
  for (let i = 0; i < eps * (loadS + 1); i++) lines.push(JSON.stringify(traffic.next().value));
  let fed = 0;
  const t0 = performance.now();
  const feeder = setInterval(() => {
    const due = Math.min(lines.length, Math.floor(((performance.now() - t0) / 1000) * eps));
    for (; fed < due; fed++) decodeLine(lines[fed] as string, 'bench', engine);
  }, 10);

  // keystrokes during the load: toggle help and time until a frame shows the change
  const latencies: number[] = [];
  const keyN = o.keystrokes ?? 20;
  await sleep(1000);
  const bytes0 = tty.bytes;
  const frames0 = screen.framesWritten;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  for (let k = 0; k < keyN; k++) {
    const open = k % 2 === 0;
    const seen = new Promise<number>((resolve) => {
      const on = (s: string): void => {
        if (open ? s.includes('Help: keys') : s.includes('Feed')) {
          tty.off('wrote', on);
          resolve(performance.now());
        }
      };
      tty.on('wrote', on);
    });
    const at = performance.now();
    stdin.press('?');
    if (!open) stdin.press('\x1b');
    latencies.push((await seen) - at);
    await sleep(Math.max(0, ((loadS - 1) * 1000) / keyN - 5));
  }
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const loadBytes = tty.bytes - bytes0;
  const loadFrames = screen.framesWritten - frames0;
  clearInterval(feeder);
  log(`screen: ${fed} events fed; load ${round(wall)} s`);

  // quiet: nothing arrives; only the clock may tick
  await sleep(500);
  const qb = tty.bytes;
  const qf = screen.framesWritten;
  await sleep(quietS * 1000);
  const quietBytes = tty.bytes - qb;
  const quietFrames = screen.framesWritten - qf;
  inst.unmount();
  store.dispose();
  screen.dispose();
  return {
    size: `${cols}x${rows}`,
    eventsPerSecond: round(fed / ((performance.now() - t0) / 1000 - quietS - 0.5), 0),
    framesPerSecond: round(loadFrames / wall),
    bytesPerSecond: Math.round(loadBytes / wall),
    cpuPercentDuringLoad: round(((cpu.user + cpu.system) / 1000 / (wall * 1000)) * 100),
    keystrokeToFrameMs: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)), max: round(Math.max(...latencies)) },
    quiet: { seconds: quietS, bytes: quietBytes, frames: quietFrames },
  };
}

/** ms from spawning `auditop FILE` (follow, with its backfill) in a pseudo-terminal to a frame with every pane drawn. */
export async function benchFirstFrame(cli: string, file: string, runs = 5): Promise<Record<string, unknown>> {
  let pty: typeof import('node-pty');
  try {
    pty = await import('node-pty');
  } catch {
    return { skipped: 'node-pty is not installed (a dev dependency)' };
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = pty.spawn(process.execPath, [cli, file], { cols: 120, rows: 40, env: { ...process.env, CI: undefined } as unknown as Record<string, string> });
    const ms = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('no full frame within 10 s')), 10_000);
      p.onData((d) => {
        out += d;
        // a full frame: status bar, pane titles and the hints line are all on screen
        if (out.includes('auditop') && out.includes('Feed') && out.includes('Top ') && out.includes('quit')) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      });
    });
    times.push(ms);
    p.write('q');
    await new Promise<void>((r) => p.onExit(() => r()));
  }
  return { runs, ms: { p50: round(pct(times, 50), 0), max: round(Math.max(...times), 0) } };
}

export const screenSection: BenchSection = {
  name: 'screen',
  description: 'screen: frames/s, bytes/s at 2,000 events/s (120x40), quiet output, keystroke latency, first frame',
  async run(ctx: Pick<BenchContext, 'cli' | 'log'>): Promise<Record<string, unknown>> {
    const render = await benchScreenRender({ log: (m) => ctx.log(m) });
    const file = fileURLToPath(new URL('../../demo-logs/quiet-day.log', import.meta.url));
    const firstFrame = await benchFirstFrame(ctx.cli, file);
    return { ...render, firstFullFrame: firstFrame };
  },
};
