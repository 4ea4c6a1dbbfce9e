/**
 * The decode worker: a worker thread that reads, splits and decodes a file replay and hands the main
 * thread batches of decoded events (batch-codec.ts), so that JSON.parse and the engine run on
 * different cores.
 *
 * Why this split (measured on the 200k-event bench file, one core): JSON.parse and normalising are
 * ~45% of the replay's CPU and the engine with its GC most of the rest; a worker that reads and
 * decodes leaves the main thread only rebuilding flat records and running the engine.
 *
 * The worker re-enters this very module (`new Worker(new URL(import.meta.url))`, recognised by its
 * workerData mark), so it works from the tsc output and from a single-file bundle alike (there the
 * URL is the bundle, whose CLI entry only runs on the main thread). When the module cannot be loaded
 * in a worker (a bundle that deleted itself after loading, TypeScript sources under a test runner),
 * the worker fails before saying it is ready and the pipeline decodes in-thread instead.
 *
 * Backpressure: the worker posts at most MAX_IN_FLIGHT messages ahead of what the main thread has
 * consumed (the main thread returns a credit per message), so memory stays at a few read chunks.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BatchEncoder, type BatchReturn, type PackedBatch } from './batch-codec.js';
import { decodeLine, type DecodeSink } from './decode.js';
import { openFileSource, SourceError, type FileSourcePlan } from './file-source.js';
import type { SourceItem } from './source.js';

const MARK = 'auditopDecodeWorker';
/**
 * Messages the worker may be ahead by: one per read chunk (its batch, carrying the chunk's progress),
 * so four 1 MiB chunks of decoded data. (The figures below are from when a chunk took two messages,
 * a batch and a progress item, so they name twice as many.) With two (4 messages) the worker waited for credits ~0.55 s of a
 * 7.7 s replay of the 1M-event bench file while the main thread, stalled a moment by a GC pause or a
 * burst of message deserialisation, was behind; the main thread then caught up and waited for the
 * worker (~2 s): the threads took turns instead of overlapping. Measured (AUDITOP_DEBUG_OFFLOAD=1,
 * quiet 2-core machine, two runs each): 4 → 7.75/7.61 s wall, worker credit waits 0.60/0.57 s,
 * peak RSS 384 MiB; 8 → 7.10/7.10 s, 0.18/0.21 s, 390/392 MiB; 16 → 6.87/7.10 s, 0.06/0 s,
 * 402/401 MiB (over the 400 MB target). Since one message per chunk, shared slabs and aligned
 * copies: 4 → worker credit waits ~0.28 s, main-thread waits ~0.5 s; 6 → 0.08 s and ~0.44 s, wall
 * 5.83 → 5.65 s (medians of eight interleaved runs), peak RSS +3 MB; 8 no better than 6.
 */
export const MAX_IN_FLIGHT = 6;
/**
 * The worker hands a chunk over undecoded when at most this many chunks are unconsumed, and never
 * two chunks in a row. (Measured when a chunk took two messages: "2" below is one chunk.) Waiting until the main thread had
 * consumed everything (0) left it waiting for batches ~1.5-1.9 s of a ~7.5 s replay of the 1M-event
 * bench file while the worker, the bottleneck, decoded; with 2 it decodes ~16% of the chunks itself
 * and waits ~0.35 s. Measured (AUDITOP_DEBUG_OFFLOAD=1, 2 cores, load 1.8-2.4, alternating runs):
 * 0 → 8.11/7.45/7.31 s wall, 386-389 MiB peak; 2 → 6.82/7.35/7.02 s, 387-394 MiB. (4, without the
 * "never two in a row": 6.98/6.94 s, 397/398 MiB: the main thread became the bottleneck.)
 */
const HANDOFF_SLACK = 1;
/**
 * When the main thread runs out of work while this many lines or more of the chunk being decoded are
 * left, the worker sends what it has decoded and leaves it the rest (see workerMain): the hand-off
 * above decides only at the start of a chunk, and the main thread still waited ~0.4 s of a 5.3 s
 * replay of the 1M-event bench file for a chunk being decoded.
 */
const STEAL_MIN_LINES = 128;

/**
 * The worker's young generation. Nothing it allocates outlives the line it decodes (events are
 * packed as they come), so a small one costs little extra scavenging, while V8's default (semi-spaces
 * of up to 16 MB) adds ~20 MB to peak RSS. Measured, 200k bench events: default 405-416 MB peak,
 * worker 1.23 s CPU; 16 MB 387-399 MB, 1.15-1.22 s; 8 MB 386-394 MB, 1.30-1.33 s.
 */
const YOUNG_GENERATION_MB = 16;

interface WorkerInput {
  [MARK]: 1;
  paths: string[];
  maxLineBytes: number;
  chunkBytes: number;
  /** one Int32, shared: 1 while the main thread waits for a message */
  waiting: SharedArrayBuffer;
}

/** What the worker says, in order: ready, then batches and items, then end or error. */
export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'batch'; b: PackedBatch }
  /** any item but lines: the worker sends those as batches, decoded or not (batch-codec.ts) */
  | { t: 'item'; item: Exclude<SourceItem, { kind: 'lines' }> }
  /** cpuSeconds: the worker thread's CPU time, where the OS tells it (Linux) */
  | { t: 'end'; cpuSeconds?: number; debug?: Record<string, number> }
  | { t: 'error'; name: string; message: string; path?: string; code?: string };

/** credit: one message was consumed; `back` is what a consumed batch returns for reuse */
type ToWorker = { t: 'credit'; back?: BatchReturn } | { t: 'close' };

/** What the pipeline sees of the worker. */
export interface DecodeWorker {
  /** the next message; { t: 'gone' } when the worker exited (before `end` only if it failed or was closed) */
  next(): Promise<WorkerMessage | { t: 'gone'; error?: unknown }>;
  /** one message was consumed: the worker may send one more; `back` returns a batch's buffers */
  credit(back?: BatchReturn): void;
  /** stop the worker (idempotent) */
  close(): Promise<void>;
}

/**
 * Replays at least this big are decoded in a worker thread on a machine with a second core. Below
 * it the worker's start (~50 ms to load the modules) is not won back; stdin, pipes and followed
 * files decode in-thread (pipeline.ts worthOffloading).
 */
export const OFFLOAD_MIN_BYTES = 8 * 1024 * 1024;

/**
 * Whether regular files of `bytes` in all are worth a decode worker (null: not all of them regular
 * files, or not all readable). AUDITOP_DECODE_WORKER=0 never uses the worker, =1 always does (tests,
 * comparisons).
 */
export function workerWorthwhile(bytes: number | null, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AUDITOP_DECODE_WORKER === '0') return false;
  if (env.AUDITOP_DECODE_WORKER === '1') return true;
  return bytes !== null && bytes >= OFFLOAD_MIN_BYTES && availableParallelism() >= 2;
}

/** What a decode worker is started for: FileSourcePlan without its close hook. */
export type WorkerPlan = Pick<FileSourcePlan, 'paths' | 'maxLineBytes' | 'chunkBytes'>;

/**
 * A worker started before the pipeline asked for one (prestartDecodeWorker), with what it was
 * started for. Unreferenced until claimed, so it never keeps the process alive.
 */
let early: { key: string; worker: Worker; handle: DecodeWorker; timer: NodeJS.Timeout } | null = null;
/** An early worker nobody claims within this long is stopped (the run took another path). */
const EARLY_UNCLAIMED_MS = 10_000;

function planKey(plan: WorkerPlan): string {
  return JSON.stringify([plan.paths, plan.maxLineBytes, plan.chunkBytes]);
}

/**
 * Start the decode worker for `plan` now, ahead of the pipeline: cli.ts does this for a replay of
 * one big file before it loads the rest of the program, so the worker's start (~75 ms on the 2-core
 * bench machine, the main thread idle meanwhile) overlaps the main thread's. startDecodeWorker
 * then hands this one out if it asks for the same plan, and stops it otherwise.
 */
export function prestartDecodeWorker(plan: WorkerPlan): void {
  dropPrestartedWorker();
  const started = spawnWorker(plan);
  if (started === null) return;
  started.worker.unref();
  prestartStats.started++;
  const timer = setTimeout(dropPrestartedWorker, EARLY_UNCLAIMED_MS);
  timer.unref();
  early = { key: planKey(plan), ...started, timer };
}

/** Stop the early worker if there is one (the pipeline decided to decode in-thread). */
export function dropPrestartedWorker(): void {
  const e = early;
  if (e === null) return;
  early = null;
  clearTimeout(e.timer);
  prestartStats.dropped++;
  void e.handle.close();
}

/** The plan the early worker was started for, as a key (tests). */
export function prestartedWorkerKey(): string | null {
  return early?.key ?? null;
}

/** Early workers started, handed to the pipeline, and stopped unused (tests). */
export const prestartStats = { started: 0, claimed: 0, dropped: 0 };

/**
 * Start a decode worker for the files of `plan` (or hand out the early one started for it). Returns
 * null when no worker can be created at all; a worker that cannot load its module reports
 * { t: 'gone' } before 'ready'.
 */
export function startDecodeWorker(plan: WorkerPlan): DecodeWorker | null {
  const e = early;
  if (e !== null && e.key === planKey(plan)) {
    early = null;
    clearTimeout(e.timer);
    e.worker.ref();
    prestartStats.claimed++;
    return e.handle;
  }
  dropPrestartedWorker();
  return spawnWorker(plan)?.handle ?? null;
}

function spawnWorker(plan: WorkerPlan): { worker: Worker; handle: DecodeWorker } | null {
  const waitingSab = new SharedArrayBuffer(4);
  const waiting = new Int32Array(waitingSab);
  const input: WorkerInput = { [MARK]: 1, paths: [...plan.paths], maxLineBytes: plan.maxLineBytes, chunkBytes: plan.chunkBytes, waiting: waitingSab };
  let worker: Worker;
  try {
    worker = new Worker(new URL(import.meta.url), { workerData: input, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
  } catch {
    return null;
  }
  const inbox: (WorkerMessage | { t: 'gone'; error?: unknown })[] = [];
  let wake: (() => void) | null = null;
  let gone = false;
  const push = (m: WorkerMessage | { t: 'gone'; error?: unknown }): void => {
    inbox.push(m);
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: WorkerMessage) => push(m));
  worker.on('error', (error) => {
    gone = true;
    push({ t: 'gone', error });
  });
  worker.on('exit', () => {
    if (!gone) push({ t: 'gone' });
    gone = true;
  });
  let closed = false;
  const handle: DecodeWorker = {
    async next() {
      if (inbox.length === 0) {
        // out of work: the worker may hand over the rest of the chunk it is decoding (STEAL_MIN_LINES)
        Atomics.store(waiting, 0, 1);
        while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
        Atomics.store(waiting, 0, 0);
      }
      return inbox.shift() as WorkerMessage | { t: 'gone' };
    },
    credit(back) {
      if (gone) return;
      if (back === undefined) worker.postMessage({ t: 'credit' } satisfies ToWorker);
      else worker.postMessage({ t: 'credit', back } satisfies ToWorker, back.give);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!gone) push({ t: 'gone' });
      gone = true;
      await worker.terminate();
    },
  };
  return { worker, handle };
}

// ------------------------------------------------------------------------------------------------
// Worker side

async function workerMain(input: WorkerInput): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  // Every item's bytes are copied (or cloned) before the next item is asked for: reuse the read buffer.
  const source = openFileSource(input.paths, { maxLineBytes: input.maxLineBytes, chunkBytes: input.chunkBytes, reuseReadBuffer: true });
  const encoder = new BatchEncoder();
  /** 1 while the main thread waits for a message (it sets it; whoever acts on it clears it) */
  const waiting = new Int32Array(input.waiting);
  // AUDITOP_DEBUG_STEAL=1 (tests): act as if the main thread always waited, so every chunk long
  // enough is split between the threads.
  const alwaysSteal = process.env.AUDITOP_DEBUG_STEAL === '1';
  let credits = MAX_IN_FLIGHT;
  let closed = false;
  let wake: (() => void) | null = null;
  port.on('message', (m: ToWorker) => {
    if (m.t === 'credit') {
      credits++;
      if (m.back !== undefined) encoder.giveBack(m.back);
    } else {
      closed = true;
      void source.close();
    }
    const w = wake;
    wake = null;
    w?.();
  });
  // AUDITOP_DEBUG_OFFLOAD=1: where this thread's time goes (reported with 'end', printed by the pipeline).
  const dbg = process.env.AUDITOP_DEBUG_OFFLOAD === '1' ? { creditWaitMs: 0, creditWaits: 0, readWaitMs: 0, decodeMs: 0, batches: 0, handedOff: 0, stolen: 0, items: 0, events: 0 } : null;
  const credit = async (): Promise<void> => {
    if (credits <= 0 && !closed && dbg !== null) {
      const t0 = performance.now();
      dbg.creditWaits++;
      while (credits <= 0 && !closed) await new Promise<void>((r) => (wake = r));
      dbg.creditWaitMs += performance.now() - t0;
      return;
    }
    while (credits <= 0 && !closed) await new Promise<void>((r) => (wake = r));
  };
  const post = async (m: WorkerMessage, transfer: ArrayBuffer[] = []): Promise<void> => {
    await credit();
    if (closed) return;
    credits--;
    port.postMessage(m, transfer);
  };
  port.postMessage({ t: 'ready' } satisfies WorkerMessage);

  // A chunk's batch waits for the progress item that follows it, and both go as one message (one
  // message and one event-loop turn on the main thread per chunk instead of two).
  let pending: { batch: PackedBatch; transfer: ArrayBuffer[] } | null = null;
  const flush = async (): Promise<void> => {
    if (pending === null) return;
    const { batch, transfer } = pending;
    pending = null;
    await post({ t: 'batch', b: batch }, transfer);
  };
  /** the previous chunk was handed over undecoded: never two in a row (at most half of them) */
  let handedLast = false;
  // Where the current line's bytes are: an event whose raw is that line is sent as those bytes.
  let line: string | null = null;
  let lineBuf: Buffer | null = null;
  let lineStart = -1;
  let lineEnd = -1;
  // Each event is packed as soon as it is decoded, so none outlives its line.
  const sink: DecodeSink = {
    event: (ev) => {
      if (line !== null && ev.raw === line) encoder.add(ev, lineBuf, lineStart, lineEnd);
      else encoder.add(ev, null, -1, -1);
    },
    malformed: (m) => encoder.malformed(m),
  };
  /** Start an undecoded batch of the chunk's lines from `from` on, for the main thread to decode (their bytes go into the slabs). */
  const handOver = (item: Extract<SourceItem, { kind: 'lines' }>, from: number): void => {
    const { lines, bytes } = item;
    encoder.begin(item.source, lines.length - from, true);
    for (let i = from; i < lines.length; i++) {
      const start = bytes === undefined ? -1 : (bytes.ranges[2 * i] as number);
      encoder.addLine(lines[i] as string, lineBuf, start, bytes === undefined ? -1 : (bytes.ranges[2 * i + 1] as number));
      lines[i] = '';
    }
  };
  try {
    const it = source.items()[Symbol.asyncIterator]();
    for (;;) {
      const tr = dbg === null ? 0 : performance.now();
      const r = await it.next();
      if (dbg !== null) dbg.readWaitMs += performance.now() - tr;
      if (r.done === true) break;
      const item = r.value;
      if (closed) break;
      if (pending !== null && item.kind === 'progress') {
        pending.batch.progress = { bytesRead: item.bytesRead, bytesTotal: item.bytesTotal };
        await flush();
        continue;
      }
      await flush();
      if (closed) break;
      if (item.kind === 'lines') {
        // Wait for a credit before filling buffers: the ones returned with it are reused.
        await credit();
        if (closed) break;
        const { lines, bytes } = item;
        lineBuf = bytes === undefined ? null : bytes.buf;
        if (!handedLast && credits >= MAX_IN_FLIGHT - HANDOFF_SLACK) {
          handedLast = true;
          // The main thread has at most one chunk queued and will soon wait: rather than have it
          // idle while this batch is decoded here, let it decode this one itself while this thread
          // goes on with the next. Self-balancing: the faster the main thread is, the more often it
          // finds little queued and takes a share of the decoding. The lines travel as their bytes
          // in the shared slabs, where the main thread keeps them (before, as strings plus a copy of
          // the chunk: ~1 MB of strings to clone per hand-off and ~30 MB more peak RSS, measured).
          if (dbg !== null) dbg.handedOff++;
          handOver(item, 0);
          lineBuf = null;
          pending = encoder.finish();
          continue;
        }
        handedLast = false;
        const td = dbg === null ? 0 : performance.now();
        encoder.begin(item.source, lines.length);
        let i = 0;
        for (; i < lines.length; i++) {
          // every 16 lines: is the main thread out of work while enough of this chunk is left?
          if ((i & 15) === 0 && i > 0 && (alwaysSteal || Atomics.load(waiting, 0) === 1) && lines.length - i >= STEAL_MIN_LINES) break;
          line = lines[i] as string;
          lineStart = bytes === undefined ? -1 : (bytes.ranges[2 * i] as number);
          lineEnd = bytes === undefined ? -1 : (bytes.ranges[2 * i + 1] as number);
          if (lineStart < 0) line = null;
          decodeLine(lines[i] as string, item.source, sink);
          // Let the line die now: the array would keep every line of the chunk alive until its end,
          // and each scavenge in between copied them (~1 MB per chunk).
          lines[i] = '';
        }
        line = null;
        if (i < lines.length) {
          // The main thread ran out of work mid-chunk: it gets what is decoded so far at once, and
          // the rest of the chunk to decode itself while this thread goes on with the next one.
          Atomics.store(waiting, 0, 0);
          if (dbg !== null) dbg.stolen++;
          const part = encoder.finish();
          // beyond the credits by one message at most: the main thread has none queued
          credits--;
          port.postMessage({ t: 'batch', b: part.batch } satisfies WorkerMessage, part.transfer);
          handOver(item, i);
          handedLast = true;
        }
        lineBuf = null;
        pending = encoder.finish();
        if (dbg !== null) {
          dbg.decodeMs += performance.now() - td;
          dbg.batches++;
          dbg.events += pending.batch.n;
        }
      } else {
        if (dbg !== null) dbg.items++;
        await post({ t: 'item', item });
      }
    }
    await flush();
    if (!closed) port.postMessage({ t: 'end', cpuSeconds: threadCpuSeconds(), ...(dbg === null ? {} : { debug: { ...dbg, slabsAllocated: encoder.slabsAllocated, slabMB: encoder.slabBytes / 1048576 } }) } satisfies WorkerMessage);
  } catch (err) {
    if (!closed) {
      const e = err instanceof Error ? err : new Error(String(err));
      const m: WorkerMessage = { t: 'error', name: e.name, message: e.message };
      if (err instanceof SourceError) {
        m.path = err.path;
        m.code = err.code;
      }
      port.postMessage(m);
    }
  } finally {
    await source.close();
    port.close();
  }
}

/** CPU time of the calling thread (Linux: /proc/thread-self/stat), undefined elsewhere. */
export function threadCpuSeconds(): number | undefined {
  try {
    const s = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux)
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The error the worker reported, as the main thread would have thrown it. */
export function workerError(m: Extract<WorkerMessage, { t: 'error' }>): Error {
  if (m.name === 'SourceError' && m.path !== undefined) return new SourceError(m.path, m.code ?? 'EIO', m.message);
  const e = new Error(m.message);
  e.name = m.name;
  return e;
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.[MARK] === 1) {
  void workerMain(workerData as WorkerInput);
}
