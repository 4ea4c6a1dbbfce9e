import { open } from 'node:fs/promises';
import { documentLines } from '../decode.js';
import { openFileSource } from '../file-source.js';
import { LineSplitter } from '../lines.js';
import type { Source, SourceItem } from '../source.js';
import { isMultiEventLine, lineTime } from './event-time.js';
import { readPlainFrom, seekOffset } from './seek.js';
import { resolveReplayInput, type ReplayFile, type ReplaySet } from './sets.js';
import { OPEN_WINDOW, formatBound, needsLogSpan, resolveBound, type TimeBound, type TimeWindow } from './window.js';

/**
 * The replay source: the files of `auditop replay PATH…` resolved into rotated sets (sets.ts), each
 * read oldest file first, the sets merged by event time (a k-way merge on each line's time, found by a
 * substring search, not a parse), and lines outside --since/--until dropped before the decoder sees
 * them. Pacing is not done here: the pipeline calls the pacer per decoded event (pacer.ts).
 */

export interface ReplayOptions {
  maxLineBytes: number;
  since?: TimeBound | undefined;
  until?: TimeBound | undefined;
  /** read size (tests make it small to cross chunk boundaries) */
  chunkBytes?: number;
  /** wall clock for `now-2h` bounds */
  nowMs?: () => number;
  /** overall progress in bytes on disk of all files, after every read chunk */
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
  /** the input has been read to its end (or to --until) */
  onEnd?: () => void;
}

export interface Replay {
  source: Source;
  sets: ReplaySet[];
  /** the resolved window; OPEN_WINDOW when neither --since nor --until was given */
  window: TimeWindow;
  /** event times of the first and last event of the input, when they were needed to resolve the window */
  span: { first: number; last: number };
  /**
   * The files in reading order when the replay is nothing more than reading them one after the other
   * (one set, no window, no pipe), so a plain file source reads the same lines; null otherwise.
   */
  sequential: string[] | null;
  /** the notice about files of a directory that were left out, or null */
  leftOut: string | null;
}

/**
 * Lines are kept when their time is within the window, or up to this much past --until before a set
 * stops being read. Why a slack at all: the API server writes an event when its stage ends, so lines
 * are in stageTimestamp order only to within the time a write waits (well under a second for the log
 * backend in blocking mode, up to the batch wait in batch mode); five minutes is far beyond that.
 */
export const ORDER_SLACK_MS = 5 * 60_000;

/** Most lines handed on in one item when sets are merged: about one read chunk of ~1 KB events. */
const MERGE_BATCH = 1000;

/** How much of a plain file's end is read to find its last event time; beyond it the file is scanned. */
const TAIL_BYTES = 1024 * 1024;

/** Internal: a batch of lines with their event times (NaN replaced by the previous line's time). */
interface TimedLines {
  kind: 'timed';
  source: string;
  lines: string[];
  times: number[];
}
type SetItem = TimedLines | Exclude<SourceItem, { kind: 'lines' }>;

/** Opens the replay: resolves sets and the window (which may read the ends of the input) before returning. */
export async function openReplay(paths: readonly string[], opts: ReplayOptions): Promise<Replay> {
  const { sets, skipped } = await resolveReplayInput(paths);
  const span = { first: Number.NaN, last: Number.NaN };
  if (needsLogSpan(opts.since) === 'start' || needsLogSpan(opts.until) === 'start') span.first = await inputStart(sets, opts.maxLineBytes);
  if (needsLogSpan(opts.since) === 'end' || needsLogSpan(opts.until) === 'end') span.last = await inputEnd(sets, opts.maxLineBytes);
  const now = opts.nowMs?.() ?? Date.now();
  const window: TimeWindow = {
    since: opts.since ? resolveBound(opts.since, span, now) : -Infinity,
    until: opts.until ? resolveBound(opts.until, span, now) : Infinity,
  };
  // A relative bound over input without any event time cannot be placed: say so and leave it open
  // rather than drop everything (NaN compares false with every time).
  const unplaced: string[] = [];
  if (Number.isNaN(window.since)) {
    window.since = -Infinity;
    unplaced.push('--since');
  }
  if (Number.isNaN(window.until)) {
    window.until = Infinity;
    unplaced.push('--until');
  }
  const windowed = window.since !== -Infinity || window.until !== Infinity;
  const sourceName = paths.join(' ');

  const leftOut =
    skipped.length === 0
      ? null
      : `left out ${skipped.length} file${skipped.length === 1 ? '' : 's'} that ${skipped.length === 1 ? 'is' : 'are'} not JSON or gzip: ${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''}`;
  const only = sets.length === 1 ? sets[0]! : undefined;
  const sequential = !windowed && unplaced.length === 0 && only !== undefined && only.files.every((f) => f.regular) ? only.files.map((f) => f.path) : null;

  const fileSources = new Set<Source>();
  let closed = false;
  const bytesTotal = sets.reduce((n, s) => n + s.files.reduce((m, f) => m + f.size, 0), 0);
  const readByFile = new Map<string, number>();
  let bytesRead = 0;

  function progressed(path: string, read: number): SourceItem {
    bytesRead += read - (readByFile.get(path) ?? 0);
    readByFile.set(path, read);
    opts.onProgress?.(bytesRead, bytesTotal);
    return { kind: 'progress', source: sourceName, bytesRead, bytesTotal };
  }

  /** One set's files, in order, as timed line batches (or plain 'lines' when nothing needs times). */
  async function* readSet(set: ReplaySet, needTimes: boolean): AsyncGenerator<SetItem | SourceItem> {
    let files = set.files;
    if (window.since !== -Infinity) {
      // Whole files that end before the window are not read at all (a lumberjack name says when the
      // file was rotated; a plain file's last line is read from its end). The rest is dropped line by line.
      const keep: ReplayFile[] = [];
      let skippedFiles = 0;
      for (const f of files) {
        if (keep.length === 0 && (await fileEnd(f, opts.maxLineBytes, false)) < window.since - ORDER_SLACK_MS) {
          skippedFiles++;
          yield progressed(f.path, f.size);
        } else keep.push(f);
      }
      if (skippedFiles > 0) yield { kind: 'notice', source: set.name, message: `skipped ${skippedFiles} file${skippedFiles === 1 ? '' : 's'} of ${set.name} before ${formatBound(window.since)}` };
      files = keep;
    }
    if (files.length === 0 || closed) return;
    // A large plain file that starts before the window: seek close to --since (seek.ts).
    const offset = window.since !== -Infinity && files[0]!.regular ? await seekOffset(files[0]!.path, window.since, ORDER_SLACK_MS) : 0;
    const rest = offset > 0 ? files.slice(1) : files;
    const src = openFileSource(
      rest.map((f) => f.path),
      opts.chunkBytes === undefined ? { maxLineBytes: opts.maxLineBytes } : { maxLineBytes: opts.maxLineBytes, chunkBytes: opts.chunkBytes },
    );
    fileSources.add(src);
    async function* raw(): AsyncGenerator<SourceItem> {
      if (offset > 0) {
        yield { kind: 'notice', source: files[0]!.path, message: `skipped the first ${formatBytes(offset)} of ${files[0]!.path} (before ${formatBound(window.since)})` };
        yield* readPlainFrom(files[0]!.path, offset, opts.maxLineBytes, () => closed);
      }
      if (rest.length > 0) yield* src.items();
    }
    let prevTs = -Infinity;
    let past = false;
    try {
      for await (const item of raw()) {
        if (item.kind === 'progress') {
          yield progressed(item.source, item.bytesRead);
          continue;
        }
        if (item.kind !== 'lines') {
          yield item;
          continue;
        }
        if (!needTimes) {
          yield item;
          continue;
        }
        const lines: string[] = [];
        const times: number[] = [];
        const take = (line: string, ts: number): void => {
          // A line without a time (junk, a blank line) travels with the line before it.
          const t = Number.isNaN(ts) ? prevTs : ts;
          if (!Number.isNaN(ts)) prevTs = ts;
          if (windowed && !(t >= window.since && t <= window.until)) {
            if (t > window.until + ORDER_SLACK_MS) past = true;
            return;
          }
          lines.push(line);
          times.push(t);
        };
        for (const line of item.lines) {
          if (windowed && isMultiEventLine(line)) {
            // An EventList or a batch of records: window each event, not the line.
            for (const l of splitEvents(line)) take(l, lineTime(l));
          } else take(line, lineTime(line));
          if (past) break;
        }
        if (lines.length > 0) yield { kind: 'timed', source: item.source, lines, times };
        if (past) {
          // Everything after this is past --until: stop reading the set and count it as read.
          for (const f of files) yield progressed(f.path, f.size);
          return;
        }
      }
    } finally {
      fileSources.delete(src);
      await src.close();
    }
  }

  async function* items(): AsyncGenerator<SourceItem> {
    if (leftOut !== null) yield { kind: 'notice', source: sourceName, message: leftOut };
    if (unplaced.length > 0) yield { kind: 'notice', source: sourceName, message: `no event times found to count ${unplaced.join(' and ')} from; ignored` };
    if (windowed) yield { kind: 'notice', source: sourceName, message: `replaying ${formatBound(window.since)} to ${formatBound(window.until)}` };
    const needTimes = windowed || sets.length > 1;
    const inputs = sets.map((s) => readSet(s, needTimes));
    try {
      if (inputs.length === 1) {
        for await (const item of inputs[0]!) {
          if (closed) return;
          yield item.kind === 'timed' ? { kind: 'lines', source: item.source, lines: item.lines } : item;
        }
      } else if (inputs.length > 1) {
        for await (const item of mergeByTime(inputs)) {
          if (closed) return;
          yield item;
        }
      }
      if (!closed) opts.onEnd?.();
    } finally {
      await Promise.all(inputs.map((g) => g.return(undefined)));
    }
  }

  const source: Source = {
    name: sourceName,
    items,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...fileSources].map((s) => s.close()));
    },
  };
  return { source, sets, window, span, sequential, leftOut };
}

/** The events of a multi-event line as single-event lines; the line itself when it does not parse. */
function splitEvents(line: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return [line];
  }
  const lines = documentLines(doc);
  // EventLists come back as slices of up to 1000 items: window those item by item too.
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('{"kind":"EventList"')) {
      const list = JSON.parse(l) as { items: unknown[]; apiVersion?: unknown };
      for (const item of list.items) out.push(JSON.stringify({ kind: 'EventList', apiVersion: list.apiVersion, items: [item] }));
    } else out.push(l);
  }
  return out;
}

interface Cursor {
  it: AsyncGenerator<SetItem | SourceItem>;
  source: string;
  lines: string[];
  times: number[];
  i: number;
  done: boolean;
}

/**
 * K-way merge of the sets by event time. Each set keeps its own file order; from the sets' current
 * lines the earliest goes first, and a run of lines from one set goes out as one item as long as it is
 * not later than the other sets' next line. Memory: one read chunk per set.
 */
async function* mergeByTime(inputs: AsyncGenerator<SetItem | SourceItem>[]): AsyncGenerator<SourceItem> {
  const cursors: Cursor[] = inputs.map((it) => ({ it, source: '', lines: [], times: [], i: 0, done: false }));
  const forward: SourceItem[] = [];

  async function fill(c: Cursor): Promise<void> {
    while (!c.done && c.i >= c.lines.length) {
      const r = await c.it.next();
      if (r.done === true) {
        c.done = true;
        return;
      }
      const item = r.value;
      if (item.kind === 'timed') {
        c.source = item.source;
        c.lines = item.lines;
        c.times = item.times;
        c.i = 0;
      } else if (item.kind === 'lines') {
        // not produced when times are needed; keep the type honest anyway
        c.source = item.source;
        c.lines = item.lines;
        c.times = item.lines.map(() => -Infinity);
        c.i = 0;
      } else forward.push(item);
    }
  }

  let active = cursors;
  for (;;) {
    await Promise.all(active.map(fill));
    while (forward.length > 0) yield forward.shift()!;
    active = active.filter((c) => c.i < c.lines.length);
    if (active.length === 0) return;
    let best = active[0]!;
    for (const c of active) if (c.times[c.i]! < best.times[best.i]!) best = c;
    let bound = Infinity;
    for (const c of active) if (c !== best && c.times[c.i]! < bound) bound = c.times[c.i]!;
    const from = best.i;
    const end = Math.min(best.lines.length, from + MERGE_BATCH);
    let i = from + 1;
    while (i < end && best.times[i]! <= bound) i++;
    best.i = i;
    yield { kind: 'lines', source: best.source, lines: from === 0 && i === best.lines.length ? best.lines : best.lines.slice(from, i) };
  }
}

/** The earliest first event time of the sets (for `+15m`). */
async function inputStart(sets: ReplaySet[], maxLineBytes: number): Promise<number> {
  let first = Number.NaN;
  for (const s of sets) {
    for (const f of s.files) {
      const t = await fileStart(f, maxLineBytes);
      if (!Number.isNaN(t)) {
        if (!(first <= t)) first = t;
        break;
      }
    }
  }
  return first;
}

/** The latest last event time of the sets (for `-2h`). */
async function inputEnd(sets: ReplaySet[], maxLineBytes: number): Promise<number> {
  let last = Number.NaN;
  for (const s of sets) {
    for (let k = s.files.length - 1; k >= 0; k--) {
      const t = await fileEnd(s.files[k]!, maxLineBytes, true);
      if (!Number.isNaN(t)) {
        if (!(last >= t)) last = t;
        break;
      }
    }
  }
  return last;
}

/** Event time of the first line of a file that has one (reads only until it finds it). */
async function fileStart(f: ReplayFile, maxLineBytes: number): Promise<number> {
  if (!f.regular) return Number.NaN; // reading a pipe here would take its lines from the replay
  const src = openFileSource([f.path], { maxLineBytes });
  try {
    for await (const item of src.items()) {
      if (item.kind !== 'lines') continue;
      for (const line of item.lines) {
        const t = isMultiEventLine(line) ? Math.min(...splitEvents(line).map(lineTime).filter((x) => !Number.isNaN(x))) : lineTime(line);
        if (Number.isFinite(t)) return t;
      }
    }
    return Number.NaN;
  } finally {
    await src.close();
  }
}

/**
 * Event time of a file's last event, or NaN when unknown. A lumberjack backup's name gives its rotation
 * time (nothing in it is later); a plain file's end is read backwards; a gzip file has no cheap end, so
 * it is decompressed in full only when `scan` is set (resolving `-2h` from the end of the log).
 */
async function fileEnd(f: ReplayFile, maxLineBytes: number, scan: boolean): Promise<number> {
  if (!Number.isNaN(f.rotatedAt)) return f.rotatedAt;
  if (!f.regular) return Number.NaN; // a pipe can be read only once, by the replay itself
  const h = await open(f.path, 'r');
  let gzip = false;
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await h.read(magic, 0, 2, 0);
    gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (!gzip) {
      const size = (await h.stat()).size;
      const n = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(n);
      await h.read(buf, 0, n, size - n);
      const splitter = new LineSplitter(maxLineBytes);
      const { lines } = splitter.push(buf);
      lines.push(...splitter.end().lines);
      // The first piece may be the cut end of a longer line: skip it unless the tail is the whole file.
      const from = n < size ? 1 : 0;
      for (let k = lines.length - 1; k >= from; k--) {
        const line = lines[k]!;
        const t = isMultiEventLine(line) ? Math.max(...splitEvents(line).map(lineTime).filter((x) => !Number.isNaN(x))) : lineTime(line);
        if (Number.isFinite(t)) return t;
      }
      if (n === size) return Number.NaN;
    }
  } finally {
    await h.close();
  }
  // Deciding whether to skip a file is not worth reading it through: it is then simply read.
  if (!scan) return Number.NaN;
  // A gzip file (or a plain one whose last megabyte holds no complete event): read it through.
  let last = Number.NaN;
  const src = openFileSource([f.path], { maxLineBytes });
  try {
    for await (const item of src.items()) {
      if (item.kind !== 'lines') continue;
      for (const line of item.lines) {
        const t = lineTime(line);
        if (!Number.isNaN(t) && !(t <= last)) last = t;
      }
    }
  } finally {
    await src.close();
  }
  return last;
}

/** "812 MB", "3.4 GB", "640 kB" for notices. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}
