import type { FileHandle } from 'node:fs/promises';

/**
 * Backwards scan chunk: 64 KiB holds ~60 typical audit events, so the last 1000 events of any file
 * take ~16 reads; a smaller chunk costs syscalls, a larger one reads far past what we need.
 */
const BACK_CHUNK = 64 * 1024;

/**
 * Byte offset where the last `n` complete lines of the first `size` bytes start, found by reading
 * backwards from the end in chunks (never the whole file). A trailing partial line (no newline yet)
 * is not counted: reading from the returned offset yields it after the `n` complete lines, and the
 * follower holds it until its newline arrives.
 */
export async function backfillStart(fh: FileHandle, size: number, n: number): Promise<number> {
  return (await backfillScan(fh, size, n)).start;
}

/** backfillStart, plus how many complete lines lie after the start (fewer than n: the whole file). */
export async function backfillScan(fh: FileHandle, size: number, n: number): Promise<{ start: number; complete: number }> {
  if (size === 0) return { start: 0, complete: 0 };
  // The (n+1)-th newline from the end ends the line before the ones we want.
  let want = n + 1;
  const buf = Buffer.allocUnsafe(Math.min(BACK_CHUNK, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const len = end - start;
    const { bytesRead } = await fh.read(buf, 0, len, start);
    // A shorter read means the file shrank under us: start from the beginning of what is there.
    if (bytesRead < len) return { start: 0, complete: n + 1 - want };
    let i = len;
    // i > 0 guard: a negative byteOffset would make lastIndexOf search from the buffer's end.
    while (i > 0) {
      const nl = buf.lastIndexOf(0x0a, i - 1);
      if (nl === -1) break;
      if (--want === 0) return { start: start + nl + 1, complete: n };
      i = nl;
    }
    end = start;
  }
  // Reached the start: each newline found ends one complete line.
  return { start: 0, complete: n + 1 - want };
}
