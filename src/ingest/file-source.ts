import { constants } from 'node:fs';
import { access, open, stat, type FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { documentLines } from './decode.js';
import { LineSplitter, type LineBytes } from './lines.js';
import type { Source, SourceItem } from './source.js';

/**
 * Read size. Measured: splitting on Buffer.indexOf(10) over 1 MiB chunks runs ~190 MB/s; smaller
 * reads spend more on syscalls and async hops, larger ones only add memory.
 */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Lines per 'lines' item when a whole-file document is re-emitted: about one read chunk's worth of
 * events, so the pipeline yields to the screen as often as with a line-per-event log.
 */
const DOCUMENT_BATCH = 1000;

/**
 * What it takes to read the same files elsewhere: the pipeline may hand a large replay to the decode
 * worker (offload.ts), which opens its own file source from this. `onClose` callbacks run when the
 * source is closed, so closing it stops the worker too.
 */
export interface FileSourcePlan {
  paths: readonly string[];
  maxLineBytes: number;
  chunkBytes: number;
  onClose(cb: () => void): void;
}

const PLAN = Symbol('auditop.fileSourcePlan');

/** The plan of a source made by openFileSource (undefined for any other source). */
export function fileSourcePlan(source: Source): FileSourcePlan | undefined {
  return (source as { [PLAN]?: FileSourcePlan })[PLAN];
}

export interface FileSourceOptions {
  /** lines longer than this are skipped and counted, never held whole (SPEC §2, default 16 MiB) */
  maxLineBytes: number;
  /** read size; tests make it small to exercise chunk boundaries */
  chunkBytes?: number;
  /**
   * Read plain files into the same buffer again once the consumer has asked for the item after a
   * chunk's progress item: a 'lines' item's `bytes` are then valid only until the consumer asks for
   * the next item. For the decode worker, which copies them at once (saves ~12 MB of read buffers
   * awaiting collection and their page faults); other consumers may keep items, so off by default.
   */
  reuseReadBuffer?: boolean;
}

/**
 * A file that cannot be read. `message` is the one line the CLI prints before exiting 1, and it
 * names the path and the reason (with a hint to use sudo when permissions are the problem).
 */
export class SourceError extends Error {
  constructor(
    readonly path: string,
    /** errno code (ENOENT, EACCES, EISDIR, …) or 'EIO' when unknown */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Turns a filesystem error about `path` into a SourceError with a message an operator can act on. */
export function sourceErrorFrom(path: string, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'EIO';
  let reason: string;
  switch (code) {
    case 'ENOENT':
      reason = 'no such file or directory';
      break;
    case 'EACCES':
    case 'EPERM':
      // Audit logs are normally readable by root only.
      reason = 'permission denied (audit logs are usually readable by root only: try sudo)';
      break;
    case 'EISDIR':
      reason = 'is a directory';
      break;
    case 'ENOTDIR':
      reason = 'a parent of it is not a directory';
      break;
    default:
      reason = err instanceof Error ? err.message : String(err);
  }
  return new SourceError(path, code, `cannot read ${path}: ${reason}`);
}

/**
 * Checks that every path is a readable regular file (or FIFO) before anything is read, so
 * `auditop replay a.log missing.log` fails at once instead of after replaying a.log.
 * Throws SourceError.
 */
export async function assertReadable(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    try {
      const st = await stat(path);
      if (st.isDirectory()) throw new SourceError(path, 'EISDIR', `cannot read ${path}: is a directory`);
      if (st.isFile()) {
        // Opening is the only test that tells the truth (ACLs, SELinux, root-squashed NFS).
        await (await open(path, 'r')).close();
      } else {
        // A FIFO or a process substitution: opening it here would block for a writer or steal
        // the data from the real read, so ask for permission only.
        await access(path, constants.R_OK);
      }
    } catch (err) {
      throw sourceErrorFrom(path, err);
    }
  }
}

/**
 * Reads the files to their end, in the order given: plain or gzip (chosen by the magic bytes 1f 8b,
 * not by the name), split into lines with over-long lines skipped while they stream past.
 *
 * Backpressure: each chunk is read only when the consumer asks for the next item, so at most one
 * chunk (plus one partial line) is in memory per source. A file that holds one pretty-printed JSON
 * document is read as that document and its events emitted one per line (see readFile).
 *
 * items() throws SourceError when a file cannot be opened; all paths are checked before the first
 * line is emitted.
 */
export function openFileSource(paths: readonly string[], opts: FileSourceOptions): Source {
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const maxLineBytes = opts.maxLineBytes;
  let closed = false;
  const openResources = new Set<{ close(): Promise<void> }>();
  const closeHooks: (() => void)[] = [];

  async function* items(): AsyncGenerator<SourceItem> {
    await assertReadable(paths);
    for (const path of paths) {
      if (closed) return;
      yield* readFile(path);
    }
  }

  async function* readFile(path: string): AsyncGenerator<SourceItem> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw sourceErrorFrom(path, err);
    }
    let regular = true;
    const resource = {
      // A read from a pipe with no writer activity never completes, and FileHandle.close() waits
      // for pending reads: for pipes, start the close and do not wait (quitting must not hang).
      close: async () => {
        const done = handle.close().catch(() => undefined);
        if (regular) await done;
      },
    };
    openResources.add(resource);
    try {
      const st = await handle.stat();
      regular = st.isFile();
      // Pipes have no size: progress reports 0 (unknown) as the total.
      yield* splitFile(path, openChunks(handle, chunkBytes, openResources, opts.reuseReadBuffer === true), regular ? st.size : 0);
    } catch (err) {
      if (closed) return;
      throw sourceErrorFrom(path, err);
    } finally {
      openResources.delete(resource);
      await resource.close();
    }
  }

  /** Splits one file's bytes into line items, after deciding whether it is a single JSON document. */
  async function* splitFile(path: string, reader: ChunkReader, size: number): AsyncGenerator<SourceItem> {
    const splitter = new LineSplitter(maxLineBytes);
    const progress = (): SourceItem => ({ kind: 'progress', source: path, bytesRead: reader.position(), bytesTotal: size });

    function* emit(lines: string[], longLines: number[], bytes?: LineBytes): Generator<SourceItem> {
      if (lines.length > 0) yield bytes === undefined ? { kind: 'lines', source: path, lines } : { kind: 'lines', source: path, lines, bytes };
      for (const bytes of longLines) yield { kind: 'long', source: path, bytes };
    }

    let first = true;
    // Chunks held while deciding whether the file is one document (bounded by maxLineBytes).
    let held: Buffer[] | null = null;
    let heldBytes = 0;

    const it = reader.chunks();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (err) {
        if (closed) return;
        if (!reader.isDataError(err)) throw err;
        // A truncated or corrupt .gz (often one still being written when it was rotated): keep
        // what was decoded, tell the operator, and go on with the next file.
        if (held !== null) yield* emit(...flushHeld(splitter, held));
        held = null;
        const tail = splitter.end();
        yield* emit(tail.lines, tail.longLines);
        yield { kind: 'notice', source: path, message: `${path}: gzip data is corrupt or truncated (${errorText(err)}); read up to there` };
        yield progress();
        return;
      }
      if (closed) return;
      if (next.done) break;
      const chunk = next.value;

      if (first) {
        first = false;
        if (looksLikeDocument(chunk)) {
          if (size > maxLineBytes && !reader.compressed) {
            yield { kind: 'notice', source: path, message: `${path} looks like one JSON document but is larger than the line limit; reading it line by line` };
          } else {
            held = [chunk];
            heldBytes = chunk.length;
            yield progress();
            continue;
          }
        }
      }

      if (held !== null) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes > maxLineBytes) {
          // Too big to parse whole within the memory bound: treat it as lines after all.
          yield { kind: 'notice', source: path, message: `${path} looks like one JSON document but is larger than the line limit; reading it line by line` };
          yield* emit(...flushHeld(splitter, held));
          held = null;
        }
        yield progress();
        continue;
      }

      const r = splitter.push(chunk);
      yield* emit(r.lines, r.longLines, r.bytes);
      yield progress();
      // The consumer is done with this chunk's items (the splitter copied any partial line).
      reader.recycle(chunk);
    }

    if (held !== null) {
      const whole = Buffer.concat(held, heldBytes);
      const text = stripBom(whole).toString('utf8');
      held = null;
      let doc: unknown;
      let parsed = true;
      try {
        doc = JSON.parse(text);
      } catch {
        parsed = false;
      }
      if (parsed) {
        const lines = documentLines(doc);
        for (let i = 0; i < lines.length; i += DOCUMENT_BATCH) {
          if (closed) return;
          yield { kind: 'lines', source: path, lines: lines.slice(i, i + DOCUMENT_BATCH) };
        }
        yield progress();
        return;
      }
      // Not one document after all (say, a log whose first line is cut short): read it as lines.
      yield { kind: 'notice', source: path, message: `${path} starts like a JSON document but does not parse as one; reading it line by line` };
      const r = splitter.push(whole);
      yield* emit(r.lines, r.longLines);
    }
    const tail = splitter.end();
    yield* emit(tail.lines, tail.longLines);
    yield progress();
  }

  const plan: FileSourcePlan = {
    paths,
    maxLineBytes,
    chunkBytes,
    onClose: (cb) => {
      if (closed) cb();
      else closeHooks.push(cb);
    },
  };
  return {
    name: paths.join(' '),
    items,
    async close() {
      if (closed) return;
      closed = true;
      for (const cb of closeHooks.splice(0)) cb();
      await Promise.all([...openResources].map((r) => r.close()));
    },
    [PLAN]: plan,
  } as Source;
}

interface ChunkReader {
  chunks(): AsyncIterator<Buffer>;
  /** bytes of the file consumed so far (compressed bytes for gzip) */
  position(): number;
  /** known once the first chunk was read */
  readonly compressed: boolean;
  /** the error is bad file content (corrupt gzip), not an I/O failure */
  isDataError(err: unknown): boolean;
  /** a chunk nobody refers to any more: its buffer may be read into again (reuse mode only) */
  recycle(chunk: Buffer): void;
}

/**
 * The file's bytes as chunks, decompressed when the first two bytes are gzip's magic 1f 8b.
 * Reads are sequential (no positioned reads), so pipes and process substitution work too.
 */
function openChunks(handle: FileHandle, chunkBytes: number, resources: Set<{ close(): Promise<void> }>, reuse = false): ChunkReader {
  let pos = 0;
  let compressed = false;
  /** the buffer of the latest read, and a buffer given back by recycle() */
  let last: Buffer | null = null;
  let spare: Buffer | null = null;

  // A fresh buffer per read unless recycled (reuse mode, plain files): a held document chunk and
  // gunzip's input queue keep references to them.
  //
  // One read ahead: the next chunk is read while the consumer splits and decodes this one. Awaiting
  // each read in turn left the decode worker idle ~0.65 s of a ~7 s replay of the 1M-event bench
  // file (1,000 thread-pool round trips); reading ahead costs one more chunk of memory.
  async function* raw(): AsyncGenerator<Buffer> {
    const start = (): Promise<{ buf: Buffer; bytesRead: number }> => {
      const buf = spare ?? Buffer.allocUnsafe(chunkBytes);
      spare = null;
      const p = handle.read(buf, 0, chunkBytes, null).then((r) => ({ buf, bytesRead: r.bytesRead }));
      // awaited below; if the consumer stops first, a late failure (the handle closed) is moot
      p.catch(() => undefined);
      return p;
    };
    let pending = start();
    for (;;) {
      const { buf, bytesRead } = await pending;
      if (bytesRead === 0) return;
      pending = start();
      last = buf;
      pos += bytesRead;
      yield bytesRead === chunkBytes ? buf : buf.subarray(0, bytesRead);
    }
  }

  async function* chunks(): AsyncGenerator<Buffer> {
    const src = raw();
    const first = await src.next();
    if (first.done) return;
    if (first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b) {
      compressed = true;
      yield* gunzip(first.value, src, chunkBytes, resources);
    } else {
      yield first.value;
      yield* src;
    }
  }

  return {
    get compressed() {
      return compressed;
    },
    position: () => pos,
    isDataError: (err) => {
      const code = (err as { code?: unknown })?.code;
      return compressed && typeof code === 'string' && code.startsWith('Z_');
    },
    recycle: (chunk) => {
      // only a chunk that is our own latest read (never a gunzip output)
      if (reuse && !compressed && last !== null && chunk.buffer === last.buffer && chunk.byteOffset === last.byteOffset) spare = last;
    },
    chunks,
  };
}

async function* gunzip(
  first: Buffer,
  rest: AsyncGenerator<Buffer>,
  chunkBytes: number,
  resources: Set<{ close(): Promise<void> }>,
): AsyncGenerator<Buffer> {
  async function* all(): AsyncGenerator<Buffer> {
    yield first;
    yield* rest;
  }
  // Readable.from pulls the next compressed chunk only when gunzip wants input, and async
  // iteration pulls gunzip's output on demand: memory stays at about one chunk of each.
  const input = Readable.from(all(), { objectMode: false });
  const z = createGunzip({ chunkSize: Math.max(64, Math.min(chunkBytes, 256 * 1024)) });
  const streams = {
    close: async () => {
      input.destroy();
      z.destroy();
    },
  };
  resources.add(streams);
  // pipeline destroys both on an error in either, which then surfaces in the iteration below.
  pipeline(input, z, () => undefined);
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } finally {
    resources.delete(streams);
    input.destroy();
    z.destroy();
  }
}

/**
 * Whether the file is a pretty-printed JSON document rather than a log: it starts with `{` or `[`
 * and its first line is not a complete JSON value. A log's first line always parses (one event),
 * so a normal log pays one JSON.parse of its first line for this test.
 */
function looksLikeDocument(chunk: Buffer): boolean {
  let i = hasBom(chunk) ? 3 : 0;
  while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x09 || chunk[i] === 0x0a || chunk[i] === 0x0d)) i++;
  if (i >= chunk.length || (chunk[i] !== 0x7b && chunk[i] !== 0x5b)) return false;
  const nl = chunk.indexOf(0x0a, i);
  // No newline in the first chunk: one line (or a huge first line): the line path handles it.
  if (nl === -1) return false;
  try {
    JSON.parse(chunk.toString('utf8', i, nl));
    return false;
  } catch {
    return true;
  }
}

function hasBom(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

function stripBom(b: Buffer): Buffer {
  return hasBom(b) ? b.subarray(3) : b;
}

function flushHeld(splitter: LineSplitter, held: Buffer[]): [string[], number[]] {
  const lines: string[] = [];
  const longLines: number[] = [];
  for (const b of held) {
    const r = splitter.push(b);
    for (const l of r.lines) lines.push(l);
    for (const n of r.longLines) longLines.push(n);
  }
  return [lines, longLines];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
