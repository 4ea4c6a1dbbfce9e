/**
 * Drives a Source into the engine: decodes each batch of lines, hands every SourceItem kind to the
 * engine, and gives the event loop a turn between batches so keys, timers and the screen stay live
 * while a file replays at full speed.
 */
import type { AuditEvent } from '../model/event.js';
import type { MalformedLine } from '../model/types.js';
import type { Engine } from '../model/engine.js';
import type { Slab } from '../model/raw-store.js';
import { stat } from 'node:fs/promises';
import { BatchDecoder } from './batch-codec.js';
import { decodeLine, type DecodeSink } from './decode.js';
import { fileSourcePlan, type FileSourcePlan } from './file-source.js';
import { dropPrestartedWorker, startDecodeWorker, workerError, workerWorthwhile } from './offload.js';
import type { OffloadObserver, Source, SourceItem } from './source.js';


/** How the replays of this process were decoded (the bench reports it). */
export const decodeStats = { worker: 0, inThread: 0, workerCpuSeconds: 0, linesDecodedHere: 0 };

export interface ConsumeOptions {
  /**
   * Replay pacing (ARCH.md): called with each event's time before the engine sees it; when it
   * returns a promise, the pipeline waits for it. Undefined = no pacing (--speed max, follow).
   */
  pace?: (tsMs: number) => Promise<void> | undefined;
  /**
   * Called after each batch has gone into the engine (printers flush here); a returned promise is
   * awaited, which is how stdout backpressure reaches the reader.
   */
  afterBatch?: () => Promise<void> | undefined;
}

/** Give timers, I/O callbacks and keypresses a turn (a resolved promise would not: microtasks starve them). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A paced replay (every replay on the screen, `--speed max` included, where pause must work) yields
 * to the event loop after at most this much ingest work, also in the middle of a chunk, so a key is
 * answered between slices. A chunk took 5-15 ms on screen, and 30-60 ms in the first second while
 * the engine's code was still being compiled, which is when the slowest keys were measured.
 */
export const SLICE_MS = 8;

/** Counts events and says when the current slice of a paced replay is used up (see SLICE_MS). */
class Slicer {
  private start = performance.now();
  private n = 0;
  /** After each event: a promise to await when the slice is used up (the clock is read every 32 events). */
  tick(): Promise<void> | undefined {
    if ((++this.n & 31) !== 0) return undefined;
    if (performance.now() - this.start < SLICE_MS) return undefined;
    return yieldToLoop().then(() => {
      this.start = performance.now();
    });
  }
  /** A new turn of the event loop began. */
  reset(): void {
    this.start = performance.now();
  }
}

/** Collects a batch's decoded events so the pacer can be asked about each before the engine sees it. */
class BatchSink implements DecodeSink {
  events: AuditEvent[] = [];
  constructor(private readonly engine: Engine) {}
  event(ev: AuditEvent): void {
    this.events.push(ev);
  }
  malformed(m: MalformedLine): void {
    this.engine.malformed(m);
  }
}

/**
 * Consume `source` until it ends (replay) or is closed (follow). Rejects with the source's error
 * (e.g. SourceError for an unreadable file); never because of a bad line.
 */
export async function consume(source: Source, engine: Engine, opts: ConsumeOptions = {}): Promise<void> {
  // The one place that decides where decoding runs.
  const plan = fileSourcePlan(source);
  if (plan !== undefined && (await worthOffloading(plan)) && (await consumeOffloaded(plan, engine, opts, source.offloadObserver))) {
    decodeStats.worker++;
    return;
  }
  dropPrestartedWorker();
  decodeStats.inThread++;
  const pace = opts.pace;
  const batch = pace ? new BatchSink(engine) : null;
  const slicer = pace ? new Slicer() : undefined;
  for await (const item of source.items()) {
    switch (item.kind) {
      case 'lines':
        await decodeLines(item, engine, pace, batch, slicer);
        break;
      default:
        applyItem(engine, item);
    }
    if (opts.afterBatch) {
      const p = opts.afterBatch();
      if (p) await p;
    }
    await yieldToLoop();
    slicer?.reset();
  }
}

/** Decode a lines item in this thread into the engine (pacing each event when asked to). */
async function decodeLines(item: Extract<SourceItem, { kind: 'lines' }>, engine: Engine, pace: ConsumeOptions['pace'], batch: BatchSink | null, slicer?: Slicer): Promise<void> {
  if (batch && pace) {
    batch.events = [];
    for (const line of item.lines) decodeLine(line, item.source, batch);
    for (const ev of batch.events) {
      const wait = pace(ev.ts);
      if (wait) await wait;
      engine.event(ev);
      const y = slicer?.tick();
      if (y) await y;
    }
    return;
  }
  // Unpaced: decode straight into the engine (no intermediate array), telling it where each
  // line's bytes are so it can store them without re-encoding.
  const lines = item.lines;
  const bytes = item.bytes;
  if (bytes === undefined) {
    for (const line of lines) decodeLine(line, item.source, engine);
    return;
  }
  const r = bytes.ranges;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const start = r[2 * i] as number;
    if (start >= 0) engine.rawBytes(line, bytes.buf, start, r[2 * i + 1] as number);
    else engine.rawBytes(null);
    decodeLine(line, item.source, engine);
    // Let the line die now rather than with the whole chunk (scavenges would copy it meanwhile).
    lines[i] = '';
  }
  engine.rawBytes(null);
}

/** Every item kind but lines. */
function applyItem(engine: Engine, item: Exclude<SourceItem, { kind: 'lines' }>): void {
  switch (item.kind) {
    case 'long':
      engine.skippedLong(item.bytes, item.source);
      break;
    case 'notice':
      engine.notice(item.source, item.message);
      break;
    case 'gap':
      engine.gap(item.gap);
      break;
    case 'progress':
      engine.progress({ source: item.source, bytesRead: item.bytesRead, bytesTotal: item.bytesTotal });
      break;
    default: {
      const never: never = item;
      void never;
    }
  }
}

async function worthOffloading(plan: FileSourcePlan): Promise<boolean> {
  // The worker costs ~15% more CPU (packing, a second heap) and ~25-35 MB more peak RSS, for
  // decoding on another core. Measured, 1M bench events, 2 cores shared with other jobs (load 3-7),
  // this commit: worker 8.5-16.4 s wall, 12.6-13.4 s CPU, 382-394 MB peak RSS; in-thread 9.7-11.0 s,
  // 11.0-11.3 s CPU, 346-357 MB. Within the 400 MB target, and never much slower even with the cores
  // busy (the main thread takes a share of the decoding whenever it has little queued), so any
  // machine with a second core uses it. (Before, it also required the last minute's load to leave a
  // core free, because the worker's peak RSS was over the target: 413-432 MB.)
  return workerWorthwhile(await regularBytes(plan.paths));
}

/** The total size of `paths` when all are readable regular files, else null. */
async function regularBytes(paths: readonly string[]): Promise<number | null> {
  let bytes = 0;
  for (const path of paths) {
    try {
      const st = await stat(path);
      // a pipe or a FIFO: size unknown, and often small (a process substitution of a short log)
      if (!st.isFile()) return null;
      bytes += st.size;
    } catch {
      return null; // the in-thread source reports the error with its usual message
    }
  }
  return bytes;
}

/**
 * Consume the files of `plan` through a decode worker: same items, same order, same engine calls as
 * the in-thread path. Resolves false, having consumed nothing, when the worker cannot start (the
 * caller then decodes in-thread); rejects with the source's error like the in-thread path.
 */
async function consumeOffloaded(plan: FileSourcePlan, engine: Engine, opts: ConsumeOptions, observer?: OffloadObserver): Promise<boolean> {
  const worker = startDecodeWorker(plan);
  if (worker === null) return false;
  // Closed (the user quit, or a pause was abandoned): deliver nothing more, not even what the
  // worker had already sent (its batches can be queued well ahead of a paced replay).
  let closed = false;
  plan.onClose(() => {
    closed = true;
    void worker.close();
  });
  // decoded into the engine's raw store: the events it buffers keep their bytes where the worker wrote them
  const decoder = new BatchDecoder(engine.rawStore);
  const slicer = new Slicer();
  const pace = opts.pace;
  const onMalformed = (m: MalformedLine): void => engine.malformed(m);
  const onEvent = (ev: AuditEvent): void => engine.event(ev);
  let events: AuditEvent[] = [];
  const collect = (ev: AuditEvent): void => void events.push(ev);
  let started = false;
  // AUDITOP_DEBUG_OFFLOAD=1: where the main thread's time goes, printed to stderr at the end.
  const dbg = process.env.AUDITOP_DEBUG_OFFLOAD === '1' ? { waitMs: 0, waits: 0, batchMs: 0, batches: 0, linesMs: 0, lines: 0, afterMs: 0, yieldMs: 0, t0: performance.now() } : null;
  let tb = 0;
  try {
    for (;;) {
      if (dbg !== null) tb = performance.now();
      const m = await worker.next();
      if (closed) return true;
      if (dbg !== null) {
        const w = performance.now() - tb;
        if (w > 0.05) dbg.waits++;
        dbg.waitMs += w;
        tb = performance.now();
      }
      if (m.t === 'gone') {
        // Not even started: this runtime cannot load the worker; decode in-thread instead.
        if (!started) return false;
        if (m.error !== undefined) throw m.error;
        return true; // closed
      }
      if (m.t === 'ready') {
        started = true;
        continue;
      }
      if (m.t === 'end') {
        if (m.cpuSeconds !== undefined) decodeStats.workerCpuSeconds += m.cpuSeconds;
        if (dbg !== null) {
          const r = (x: number): number => Math.round(x);
          process.stderr.write(`auditop-offload main ${JSON.stringify({ wallMs: r(performance.now() - dbg.t0), waitMs: r(dbg.waitMs), waits: dbg.waits, batchMs: r(dbg.batchMs), batches: dbg.batches, linesMs: r(dbg.linesMs), lines: dbg.lines, afterMs: r(dbg.afterMs), yieldMs: r(dbg.yieldMs) })}\n`);
          const d = m.debug ?? {};
          for (const k of Object.keys(d)) d[k] = Math.round(d[k] as number);
          process.stderr.write(`auditop-offload worker ${JSON.stringify(d)}\n`);
        }
        observer?.end();
        return true;
      }
      if (m.t === 'error') throw workerError(m);
      if (m.t === 'batch' && m.b.undecoded) {
        // Lines the worker left to this thread (it found this thread idle): decoded here, their
        // bytes kept where the worker put them.
        decodeStats.linesDecodedHere++;
        const source = m.b.source;
        const sink = pace ? new BatchSink(engine) : null;
        const lines: { text: string; slab: Slab; off: number; len: number }[] | null = pace ? [] : null;
        decoder.lines(m.b, (text, slab, off, len) => {
          if (lines !== null) {
            lines.push({ text, slab, off, len });
            return;
          }
          engine.rawBytes(text, slab.buf, off, off + len, slab);
          decodeLine(text, source, engine);
        });
        engine.rawBytes(null);
        if (pace && lines !== null && sink !== null) {
          for (const l of lines) {
            sink.events = [];
            decodeLine(l.text, source, sink);
            for (const ev of sink.events) {
              const wait = pace(ev.ts);
              if (wait) await wait;
              if (closed) break;
              engine.rawBytes(l.text, l.slab.buf, l.off, l.off + l.len, l.slab);
              engine.event(ev);
              const y = slicer.tick();
              if (y) {
                // other sources may feed the engine while this one yields: no stale line hint for them
                engine.rawBytes(null);
                await y;
              }
            }
            if (closed) break;
          }
          engine.rawBytes(null);
        }
        worker.credit(decoder.release(m.b));
        if (dbg !== null) {
          dbg.linesMs += performance.now() - tb;
          dbg.lines++;
        }
      } else if (m.t === 'batch') {
        if (pace) {
          // As in-thread: a batch is decoded first (malformed lines counted then), then paced.
          events = [];
          decoder.decode(m.b, collect, onMalformed);
          for (const ev of events) {
            const wait = pace(ev.ts);
            if (wait) await wait;
            if (closed) break;
            engine.event(ev);
            const y = slicer.tick();
            if (y) await y;
          }
          events = [];
        } else {
          decoder.decode(m.b, onEvent, onMalformed);
        }
        worker.credit(decoder.release(m.b));
        if (dbg !== null) {
          dbg.batchMs += performance.now() - tb;
          dbg.batches++;
        }
      } else {
        worker.credit();
        const item = m.item;
        if (item.kind === 'progress') observer?.progress(item.bytesRead, item.bytesTotal);
        applyItem(engine, item);
      }
      if (m.t === 'batch' && m.b.progress !== undefined) {
        const p = m.b.progress;
        observer?.progress(p.bytesRead, p.bytesTotal);
        engine.progress({ source: m.b.source, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal });
      }
      if (dbg !== null) tb = performance.now();
      if (opts.afterBatch) {
        const p = opts.afterBatch();
        if (p) await p;
      }
      if (dbg !== null) {
        const t = performance.now();
        dbg.afterMs += t - tb;
        tb = t;
      }
      await yieldToLoop();
      slicer.reset();
      if (dbg !== null) dbg.yieldMs += performance.now() - tb;
    }
  } finally {
    await worker.close();
  }
}
