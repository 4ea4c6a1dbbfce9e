import { open, type FileHandle } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { documentLines } from './decode.js';
import { LineSplitter } from './lines.js';
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

export interface FileSourceOptions {
  /** lines longer than this are skipped and counted, never held whole (SPEC §2, default 16 MiB) */
  maxLineBytes: number;
  /** read size; tests make it small to exercise chunk boundaries */
  chunkBytes?: number;
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
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      const st = await handle.stat();
      if (st.isDirectory()) throw new SourceError(path, 'EISDIR', `cannot read ${path}: is a directory`);
    } catch (err) {
      throw sourceErrorFrom(path, err);
    } finally {
      await handle?.close().catch(() => undefined);
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
  const open_ = new Set<{ close(): Promise<void> }>();

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
    const resource = { close: () => handle.close().catch(() => undefined) };
    open_.add(resource);
    try {
      const size = (await handle.stat()).size;
      const magic = Buffer.alloc(2);
      const { bytesRead: magicBytes } = await handle.read(magic, 0, 2, 0);
      const gzip = magicBytes === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      const reader = gzip ? gzipChunks(handle, chunkBytes, open_) : plainChunks(handle, chunkBytes);
      yield* splitFile(path, reader, size);
    } finally {
      open_.delete(resource);
      await resource.close();
    }
  }

  /** Splits one file's bytes into line items, after deciding whether it is a single JSON document. */
  async function* splitFile(path: string, reader: ChunkReader, size: number): AsyncGenerator<SourceItem> {
    const splitter = new LineSplitter(maxLineBytes);
    const progress = (): SourceItem => ({ kind: 'progress', source: path, bytesRead: reader.position(), bytesTotal: size });

    function* emit(lines: string[], longLines: number[]): Generator<SourceItem> {
      if (lines.length > 0) yield { kind: 'lines', source: path, lines };
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
        if (!reader.isDataError(err)) throw sourceErrorFrom(path, err);
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
            held = [Buffer.from(chunk)];
            heldBytes = chunk.length;
            yield progress();
            continue;
          }
        }
      }

      if (held !== null) {
        held.push(Buffer.from(chunk));
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
      yield* emit(r.lines, r.longLines);
      yield progress();
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

  return {
    name: paths.join(' '),
    items,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...open_].map((r) => r.close()));
    },
  };
}

interface ChunkReader {
  chunks(): AsyncIterator<Buffer>;
  /** bytes of the file consumed so far (compressed bytes for gzip) */
  position(): number;
  readonly compressed: boolean;
  /** the error is bad file content (corrupt gzip), not an I/O failure */
  isDataError(err: unknown): boolean;
}

function plainChunks(handle: FileHandle, chunkBytes: number): ChunkReader {
  let pos = 0;
  return {
    compressed: false,
    position: () => pos,
    isDataError: () => false,
    async *chunks() {
      // One buffer reused for every read: LineSplitter decodes complete lines to strings and copies
      // the partial tail, and held document chunks are copied, so nothing keeps a view into it.
      const buf = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, chunkBytes, pos);
        if (bytesRead === 0) return;
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    },
  };
}

function gzipChunks(handle: FileHandle, chunkBytes: number, open_: Set<{ close(): Promise<void> }>): ChunkReader {
  let raw: ReadStream | undefined;
  return {
    compressed: true,
    position: () => raw?.bytesRead ?? 0,
    isDataError: (err) => {
      const code = (err as { code?: unknown })?.code;
      return typeof code === 'string' && code.startsWith('Z_');
    },
    async *chunks() {
      // Streams read ahead by at most their highWaterMark, and async iteration pulls on demand,
      // so memory stays bounded by one compressed and one decompressed chunk.
      raw = handle.createReadStream({ start: 0, highWaterMark: chunkBytes, autoClose: false });
      const gunzip = createGunzip({ chunkSize: Math.max(64, Math.min(chunkBytes, 256 * 1024)) });
      const streams = { close: async () => { raw?.destroy(); gunzip.destroy(); } };
      open_.add(streams);
      // pipeline destroys both streams on an error in either, which then surfaces in the iteration.
      pipeline(raw, gunzip, () => undefined);
      try {
        for await (const chunk of gunzip) yield chunk as Buffer;
      } finally {
        open_.delete(streams);
        raw.destroy();
        gunzip.destroy();
      }
    },
  };
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
