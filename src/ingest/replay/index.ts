/**
 * `auditop replay PATH…`: what run.ts's createSources needs, in one call. The replay source (sets,
 * merge, window; replay-source.ts) feeds the pipeline; the pacer (pacer.ts) is the pipeline's `pace`
 * hook and the object the screen drives (space, +, -, ]) and reads the status bar from.
 */
import { openFileSource } from '../file-source.js';
import type { Source, SourceItem } from '../source.js';
import { createPacer, Pacer, type PacerClock, type Speed } from './pacer.js';
import { openReplay, type Replay } from './replay-source.js';
import type { TimeBound } from './window.js';

export { Pacer, type ReplayStatus, type Speed, formatDuration, clampSpeed, MIN_SPEED, MAX_SPEED } from './pacer.js';
export { parseTimeBound, type TimeBound, type TimeWindow } from './window.js';

export interface ReplayConfig {
  paths: readonly string[];
  maxLineBytes: number;
  speed: Speed;
  since?: TimeBound | undefined;
  until?: TimeBound | undefined;
  /** where pacing notices go ("skipped 2h 13m of silence"), e.g. engine.notice('replay', m) */
  onNotice?: (message: string) => void;
  /** tests inject fake timers */
  clock?: PacerClock;
}

/**
 * The replay's Source, carrying its pacer so that whoever runs the pipeline (run.ts headless, the
 * screen's runTui) finds the pace hook and the controls with `replayOf(sources)`.
 */
export interface ReplaySource extends Source {
  readonly pacer: Pacer;
  readonly pace: ((tsMs: number) => Promise<void> | undefined) | undefined;
}

/** The replay among the sources (its pacer for the status bar and keys, its pace hook for consume). */
export function replayOf(sources: readonly Source[]): ReplaySource | undefined {
  for (const s of sources) if ('pacer' in s && (s as ReplaySource).pacer instanceof Pacer) return s as ReplaySource;
  return undefined;
}

export interface ReplayHandle {
  /** closing it also releases a pipeline waiting on the pacer */
  source: ReplaySource;
  pacer: Pacer;
  /**
   * The pipeline's pace hook. Undefined when `unpaced` is asked for at --speed max: headless replay
   * then decodes straight into the engine, the fastest path (pause and speed keys need a screen).
   */
  pace: ((tsMs: number) => Promise<void> | undefined) | undefined;
  replay: Replay;
}

/**
 * Lines handed to the pipeline at a time while pacing. The pipeline decodes a whole item before it
 * paces its events, and once the replay is stopped (q, Ctrl-C) the events of the item in hand still
 * reach the engine; small items keep that overrun to a few events, and keep speed changes prompt. At
 * --speed max items pass whole (one read chunk), so full-speed replay pays no extra per-item cost.
 */
export const PACED_BATCH = 16;

/**
 * What the pipeline reads from the replay: items split small while pacing (PACED_BATCH), and the
 * pacer's progress kept to what has been *played*, not what the reader has read ahead: the reader
 * reports progress after each chunk's lines, so one item is looked at ahead and the progress across
 * a chunk is interpolated as its slices go out (the status bar's bar moves smoothly even when a
 * small log is only a few chunks).
 */
async function* paced(items: AsyncIterable<SourceItem>, pacer: Pacer): AsyncGenerator<SourceItem> {
  const it = items[Symbol.asyncIterator]();
  let total = pacer.status().bytesTotal;
  let played = 0;
  try {
    let cur = await it.next();
    while (cur.done !== true) {
      const item = cur.value;
      if (item.kind === 'progress') {
        played = item.bytesRead;
        total = item.bytesTotal;
        pacer.progress(played, total);
        yield item;
        cur = await it.next();
        continue;
      }
      if (item.kind !== 'lines') {
        yield item;
        cur = await it.next();
        continue;
      }
      const next = await it.next();
      const upTo = next.done !== true && next.value.kind === 'progress' ? next.value.bytesRead : played;
      const whole = item.lines.length <= PACED_BATCH || pacer.status().speed === Infinity;
      const step = whole ? item.lines.length : PACED_BATCH;
      for (let i = 0; i < item.lines.length; i += step) {
        if (pacer.isClosed()) return;
        yield whole ? item : { kind: 'lines', source: item.source, lines: item.lines.slice(i, i + step) };
        // this slice has been played (the pipeline asks for the next item only after pacing it)
        const done = Math.min(item.lines.length, i + step) / item.lines.length;
        pacer.progress(Math.round(played + (upTo - played) * done), total);
      }
      cur = next;
    }
    // The end of the input (a plain file source has no onEnd of its own; finish() is idempotent).
    if (!pacer.isClosed()) pacer.finish();
  } finally {
    await it.return?.();
  }
}

/**
 * Resolves the paths into sets, the window into times, and builds the source and the pacer.
 * Throws SourceError (exit 1 with the path and reason) for an input that cannot be read.
 */
export async function createReplay(cfg: ReplayConfig, opts: { unpaced?: boolean } = {}): Promise<ReplayHandle> {
  const pacer = createPacer({ speed: cfg.speed, clock: cfg.clock, onNotice: cfg.onNotice });
  const replay = await openReplay(cfg.paths, {
    maxLineBytes: cfg.maxLineBytes,
    since: cfg.since,
    until: cfg.until,
    onEnd: () => pacer.finish(),
  });
  // The bar shows 0% of the whole input from the start (the first progress comes after a chunk).
  pacer.progress(0, replay.sets.reduce((n, set) => n + set.files.reduce((m, f) => m + f.size, 0), 0));
  const inner = replay.source;
  const unpaced = opts.unpaced === true && cfg.speed === 'max';
  const pace = unpaced ? undefined : (ts: number) => pacer.pace(ts);
  if (unpaced && replay.sequential !== null) {
    // Headless at full speed over one set: nothing to merge, window or pace, so read it with a plain
    // file source, which the pipeline may hand to its decode worker (pipeline.ts, offload.ts). The
    // spread keeps the file source's plan; items() still goes through `paced` for the in-thread path.
    const files = openFileSource(replay.sequential, { maxLineBytes: cfg.maxLineBytes });
    if (replay.leftOut !== null) cfg.onNotice?.(replay.leftOut);
    const fast: ReplaySource = {
      ...files,
      name: inner.name,
      pacer,
      pace,
      items: () => paced(files.items(), pacer),
      async close() {
        pacer.close();
        await Promise.all([files.close(), inner.close()]);
      },
    };
    return { source: fast, pacer, pace, replay };
  }
  const source: ReplaySource = {
    name: inner.name,
    pacer,
    pace,
    items: () => paced(inner.items(), pacer),
    async close() {
      pacer.close();
      await inner.close();
    },
  };
  return { source, pacer, pace, replay };
}
