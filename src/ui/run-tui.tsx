/**
 * `runTui(engine, sources, config)`: the screen's entry point (the seam in src/run.ts).
 *
 * No JSX and no static import of ink or react here: both are loaded only after the environment is
 * set for them (CI hidden from Ink, React's production build chosen), and a JSX runtime imported at
 * module load would pin React's development build before that (mixing the two draws nothing).
 *
 * Terminal hygiene, on every exit path (q, Ctrl-C, SIGTERM, SIGHUP, SIGINT, the end of a failing
 * source, an unexpected error): the alternate screen is entered before the first frame and left
 * again, the cursor is shown, raw mode is switched off. An unexpected error is reported in one line
 * after the terminal is back, so the user never sees a stack trace on a scrambled screen.
 */
import { writeSync } from 'node:fs';
import type { Config } from '../config.js';
import { consume, type ConsumeOptions } from '../ingest/pipeline.js';
import type { Source } from '../ingest/source.js';
import type { Engine } from '../model/engine.js';
import { FilteredView } from '../state/filtered-view.js';
import { Store } from '../state/store.js';
import type { Overlays, ReplayControls } from './App.js';
import { feedPageRows } from './layout.js';
import { CLOCK_COLS, clock } from './format.js';
import { ScreenWriter } from './screen-writer.js';
import { makeTheme } from './theme.js';

/**
 * Ink's frame throttle. Data frames are limited by the store (≤ 10 snapshots a second, 4 while a
 * backlog is read: issue 5's "at most ~15 frames/s"), so this cap only bounds frames that keys cause
 * (a held key's auto-repeat). It is not lower because Ink holds back any frame that follows another
 * within 1000/maxFps ms: at 15, a key pressed just after a data frame waited up to 67 ms before its
 * own frame was even built, a third of the 150 ms budget during a full-speed replay.
 */
export const MAX_FPS = 30;

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';
/** Turn off every mouse-reporting mode and reset attributes, in case anything left them on. */
const RESET_MODES = '\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1006l';

export interface TuiOptions {
  /** replay pacing hook for the pipeline */
  pace?: ConsumeOptions['pace'];
  /** replay controls and status (the pacer) */
  replay?: (ReplayControls & { subscribe?(fn: () => void): () => void }) | null;
  /** apply a filter expression to the engine; returns an error message or null */
  onFilter?: (expr: string) => string | null;
  initialFilter?: string;
  overlays?: Overlays;
  /** what the status bar says is being read */
  sourceLabel?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * Ink decides once, when it is first imported, whether it runs in CI (is-in-ci reads CI and
 * CONTINUOUS_INTEGRATION), and in CI it draws only the final frame and ignores resizes. We draw to a
 * real terminal (stdout is a TTY or we would be headless), so hide those variables while Ink loads.
 */
async function loadInk(): Promise<typeof import('ink')> {
  const saved: Record<string, string | undefined> = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // React's development build checks and warns on every render (react-reconciler.development was a
  // visible share of a busy screen's CPU); nobody debugs React in a terminal monitor in production
  // (through a local: bundlers replace `process.env.NODE_ENV` with a constant, which cannot be assigned)
  const env = process.env;
  env.NODE_ENV ??= 'production';
  try {
    return await import('ink');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

function describeSources(config: Config, sources: Source[]): string {
  if (config.mode === 'demo') return 'demo';
  const names = sources.map((s) => s.name).filter((n) => n !== '');
  return names.length > 0 ? names.join(', ') : config.paths.join(', ');
}

/** When the help text is built ahead of the first `?`: after the first frame is out. */
const HELP_WARM_DELAY_MS = 100;

/** How often the idle warmer looks at the ingest, and how much it may spend when it is light. */
export const IDLE_WARM_MS = 250;
export const IDLE_WARM_BUDGET_MS = 15;
/** Events per IDLE_WARM_MS below which ingest counts as light (≤ 4,000/s: a live cluster, a paused replay). */
export const IDLE_WARM_MAX_EVENTS = 1_000;

/**
 * Keep the search caches current so the first `/` finds them built, without slowing ingest: every
 * IDLE_WARM_MS, when fewer than IDLE_WARM_MAX_EVENTS events arrived since the last look (idle or a
 * trickle), `warm` gets a slice of IDLE_WARM_BUDGET_MS; during a full-speed replay it gets nothing
 * (the search's own background warming takes ~4 ms a second then). Returns the stop function.
 */
export function warmWhenIdle(engine: { readonly counts: { readonly events: number } }, warm: (budgetMs: number) => void): () => void {
  let last = engine.counts.events;
  const timer = setInterval(() => {
    const now = engine.counts.events;
    const light = now - last <= IDLE_WARM_MAX_EVENTS;
    last = now;
    if (light) warm(IDLE_WARM_BUDGET_MS);
  }, IDLE_WARM_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * The view the screen reads: the engine, or with an `f` filter the matching part of it, holding no
 * more than the real buffer (--buffer and --buffer-bytes) keeps.
 */
export function screenView(engine: Engine, config: Pick<Config, 'bufferEvents' | 'bufferBytes'>): FilteredView {
  return new FilteredView(engine, { bufferEvents: config.bufferEvents, bufferBytes: config.bufferBytes });
}

export async function runTui(engine: Engine, sources: Source[], config: Config, opts: TuiOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const stderr = opts.stderr ?? process.stderr;
  const ink = await loadInk();
  const { App } = await import('./App.js');
  const overlayWarm = await import('./panes/Help.js');
  // the search work's overlays import Ink too: loaded after it, like App
  const [{ Search, searcherFor }, { Inspector }, { FilterPrompt }] = await Promise.all([import('./panes/Search.js'), import('./panes/Inspector.js'), import('./panes/FilterPrompt.js')]);
  const overlays: Overlays = opts.overlays ?? { Search, Inspector, FilterPrompt };
  const React = await import('react');
  // --filter drops at ingest; the status bar shows it as the filter in force
  const initialFilter = opts.initialFilter ?? config.filter ?? '';
  const theme = makeTheme({ color: config.color, ascii: config.ascii });

  const rawWrite = (s: string): void => {
    try {
      // synchronous on the real terminal: this also runs from process 'exit', where queued writes are lost
      if (stdout === process.stdout) writeSync(1, s);
      else stdout.write(s);
    } catch {
      // the terminal is gone (SIGHUP); nothing left to restore
    }
  };
  let restored = false;
  const restoreTerminal = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // stdin already closed
    }
    rawWrite(RESET_MODES + SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };
  process.on('exit', restoreTerminal);

  // What the screen reads: the engine, or with an `f` filter in force the matching part of it
  const view = screenView(engine, config);
  const onFilter = opts.onFilter ?? ((expr: string) => view.setFilter(expr));
  // the first `/` should not spend ~0.4 s building the search caches: build them while ingest is light
  const searcher = searcherFor(view);
  const stopWarming = warmWhenIdle(engine, (ms) => searcher.warm(ms));
  const store = new Store(
    view,
    { feedEnd: null, feedPage: feedPageRows({ x: 0, y: 0, width: stdout.columns || 80, height: (stdout.rows || 24) - 3 }), topDim: 'users', topWindow: '5m', topN: 10, paused: false },
    {
      ...(opts.replay ? { replayStatus: () => opts.replay!.status() } : {}),
      // the status bar's buffer fill is of the real buffer, also while a filter shows part of it
      buffer: () => ({ size: engine.rows.size, capacity: engine.rows.capacity }),
    },
  );
  // the pacer changes with every chunk read: batched like engine changes, not a frame each
  const offReplay = opts.replay?.subscribe?.(() => store.poke());

  let finish!: (code: number, message?: string) => void;
  const done = new Promise<{ code: number; message?: string }>((resolve) => {
    let called = false;
    finish = (code, message) => {
      if (called) return;
      called = true;
      resolve(message === undefined ? { code } : { code, message });
    };
  });
  const quit = (): void => finish(0);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, quit);
  const onError = (err: unknown): void => finish(1, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);

  function Root(): React.ReactElement {
    const [size, setSize] = React.useState({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
    React.useEffect(() => {
      const onResize = (): void => setSize({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
      stdout.on('resize', onResize);
      return () => void stdout.off('resize', onResize);
    }, []);
    return React.createElement(App, {
      store,
      engine: view,
      cols: size.cols,
      rows: size.rows,
      theme,
      source: opts.sourceLabel ?? describeSources(config, sources),
      mode: config.mode === 'replay' ? 'replay' : config.mode === 'demo' ? 'demo' : config.paths.includes('-') ? 'stdin' : 'follow',
      replay: opts.replay ?? null,
      onQuit: quit,
      externalClock: true,
      overlays,
      onFilter,
      ...(initialFilter ? { initialFilter } : {}),
    });
  }

  // Ink draws into the diffing writer, which updates only the lines that changed (see screen-writer.ts)
  const screen = new ScreenWriter(stdout);
  screen.startClock(() => theme.paint(clock(Date.now()), 'dim'), CLOCK_COLS);
  // alternate screen before the first frame: the user's scrollback stays as it was
  rawWrite(ENTER_ALT_SCREEN + HIDE_CURSOR);
  let instance: import('ink').Instance | undefined;
  try {
    instance = ink.render(React.createElement(Root), { stdout: screen as unknown as NodeJS.WriteStream, stdin, stderr, patchConsole: false, exitOnCtrlC: false, maxFps: MAX_FPS });
    // Ink can report a render error by rejecting its exit promise
    instance.waitUntilExit().catch(onError);
  } catch (err) {
    onError(err);
  }

  // The first `?` should not build the help text cold (see warmHelp): build it once the first frame is out.
  const helpWarmer = setTimeout(() => overlayWarm.warmHelp(stdout.columns || 80, theme), HELP_WARM_DELAY_MS);
  helpWarmer.unref?.();

  // Ingest runs while the screen is up; when a replay ends the screen stays, browsable.
  const ingest = Promise.all(sources.map((s) => consume(s, engine, opts.pace ? { pace: opts.pace } : {})));
  ingest.then(
    () => store.markEnded(),
    (err: unknown) => finish(1, err instanceof Error ? err.message : String(err)),
  );

  const result = await done;
  for (const s of signals) process.off(s, quit);
  offReplay?.();
  stopWarming();
  clearTimeout(helpWarmer);
  try {
    instance?.unmount();
  } catch {
    // already unmounted by an error
  }
  store.dispose();
  view.dispose();
  screen.dispose();
  await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
  restoreTerminal();
  process.off('exit', restoreTerminal);
  process.off('uncaughtException', onError);
  process.off('unhandledRejection', onError);
  if (result.message) stderr.write(`auditop: ${result.message.split('\n')[0]}\n`);
  return result.code;
}
