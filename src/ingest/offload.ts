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
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BatchEncoder, type PackedBatch } from './batch-codec.js';
import { decodeLine, type DecodeSink } from './decode.js';
import { openFileSource, SourceError, type FileSourcePlan } from './file-source.js';
import type { SourceItem } from './source.js';

const MARK = 'auditopDecodeWorker';
/**
 * Messages the worker may be ahead by. Each read chunk gives a batch and a progress item, so this is
 * about two 1 MiB chunks of decoded data: enough to keep both threads busy, little memory.
 */
export const MAX_IN_FLIGHT = 4;

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
}

/** What the worker says, in order: ready, then batches and items, then end or error. */
export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'batch'; b: PackedBatch }
  | { t: 'item'; item: SourceItem }
  /** cpuSeconds: the worker thread's CPU time, where the OS tells it (Linux) */
  | { t: 'end'; cpuSeconds?: number }
  | { t: 'error'; name: string; message: string; path?: string; code?: string };

/** credit: one message was consumed; `give` is a batch buffer returned for reuse */
type ToWorker = { t: 'credit'; give?: ArrayBuffer[] } | { t: 'close' };

/** What the pipeline sees of the worker. */
export interface DecodeWorker {
  /** the next message; { t: 'gone' } when the worker exited (before `end` only if it failed or was closed) */
  next(): Promise<WorkerMessage | { t: 'gone'; error?: unknown }>;
  /** one message was consumed: the worker may send one more; `give` returns a batch's buffer */
  credit(give?: ArrayBuffer[]): void;
  /** stop the worker (idempotent) */
  close(): Promise<void>;
}

/**
 * Start a decode worker for the files of `plan`. Returns null when no worker can be created at all;
 * a worker that cannot load its module reports { t: 'gone' } before 'ready'.
 */
export function startDecodeWorker(plan: FileSourcePlan): DecodeWorker | null {
  const input: WorkerInput = { [MARK]: 1, paths: [...plan.paths], maxLineBytes: plan.maxLineBytes, chunkBytes: plan.chunkBytes };
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
  return {
    async next() {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      return inbox.shift() as WorkerMessage | { t: 'gone' };
    },
    credit(give) {
      if (gone) return;
      if (give === undefined) worker.postMessage({ t: 'credit' } satisfies ToWorker);
      else worker.postMessage({ t: 'credit', give } satisfies ToWorker, give);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!gone) push({ t: 'gone' });
      gone = true;
      await worker.terminate();
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Worker side

async function workerMain(input: WorkerInput): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  // Every item's bytes are copied (or cloned) before the next item is asked for: reuse the read buffer.
  const source = openFileSource(input.paths, { maxLineBytes: input.maxLineBytes, chunkBytes: input.chunkBytes, reuseReadBuffer: true });
  const encoder = new BatchEncoder();
  let credits = MAX_IN_FLIGHT;
  let closed = false;
  let wake: (() => void) | null = null;
  port.on('message', (m: ToWorker) => {
    if (m.t === 'credit') {
      credits++;
      if (m.give !== undefined) encoder.giveBack(m.give);
    } else {
      closed = true;
      void source.close();
    }
    const w = wake;
    wake = null;
    w?.();
  });
  const credit = async (): Promise<void> => {
    while (credits === 0 && !closed) await new Promise<void>((r) => (wake = r));
  };
  const post = async (m: WorkerMessage, transfer: ArrayBuffer[] = []): Promise<void> => {
    await credit();
    if (closed) return;
    credits--;
    port.postMessage(m, transfer);
  };
  port.postMessage({ t: 'ready' } satisfies WorkerMessage);

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
  try {
    for await (const item of source.items()) {
      if (closed) break;
      if (item.kind === 'lines') {
        // Wait for a credit before filling buffers: the ones returned with it are reused.
        await credit();
        if (closed) break;
        if (credits === MAX_IN_FLIGHT) {
          // The main thread has consumed everything and is waiting: rather than have it idle
          // while this batch is decoded here, let it decode this one itself (the in-thread path)
          // while this thread goes on with the next. Self-balancing: the faster the main thread
          // is, the more often it finds nothing queued and takes a share of the decoding.
          // (The bytes are cloned, not transferred: a gunzip chunk shares zlib's output buffer.)
          await post({ t: 'item', item });
          continue;
        }
        const { lines, bytes } = item;
        lineBuf = bytes === undefined ? null : bytes.buf;
        let chars = 0;
        for (const l of lines) chars += l.length;
        encoder.begin(item.source, lines.length, chars);
        for (let i = 0; i < lines.length; i++) {
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
        lineBuf = null;
        const { batch, transfer } = encoder.finish();
        await post({ t: 'batch', b: batch }, transfer);
      } else {
        await post({ t: 'item', item });
      }
    }
    if (!closed) port.postMessage({ t: 'end', cpuSeconds: threadCpuSeconds() } satisfies WorkerMessage);
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
