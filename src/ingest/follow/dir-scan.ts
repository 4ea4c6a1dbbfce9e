import type { Stats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RotatedNameMatcher } from './rotated-names.js';

/** A rotated file found in the directory: its current name and identity. */
export interface DirEntryInfo {
  name: string;
  key: string;
  st: Stats;
}

/** A file's identity: dev, inode and birth time (an inode number alone can be reused after a delete). */
export function keyOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
}

/**
 * A directory stamp younger than this at scan time may hide a change made later in the same clock
 * tick (Linux file times advance once per jiffy, 1–10 ms); 50 ms leaves a wide margin.
 */
const DIR_STAMP_TRUST_MS = 50;

/** Lists the rotated copies of a followed file in its directory. */
export class DirScanner {
  /** the directory's mtime and ctime at the last scan */
  private stamp = '';
  private stampFresh = true;

  constructor(
    readonly dir: string,
    private readonly names: RotatedNameMatcher,
  ) {}

  /** Whether the directory may have changed since the last scan (one stat). */
  async changedSinceScan(): Promise<boolean> {
    try {
      const d = await stat(this.dir);
      return `${d.mtimeMs}:${d.ctimeMs}` !== this.stamp || this.stampFresh;
    } catch {
      return false;
    }
  }

  /**
   * The rotated files in the directory, by name with their identity. logrotate renames `.1` to `.2`
   * (and so on) while we look, so a name can point at another file by the time we stat it, or be
   * skipped by readdir: the listing is taken until two in a row agree (at most three tries).
   */
  async scan(): Promise<{ rotated: DirEntryInfo[]; gz: string[] }> {
    let last = await this.scanOnce();
    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await this.scanOnce();
      const same =
        again.gz.join('/') === last.gz.join('/') &&
        again.rotated.map((r) => `${r.name}=${r.key}`).join('/') === last.rotated.map((r) => `${r.name}=${r.key}`).join('/');
      last = again;
      if (same) break;
    }
    return last;
  }

  private async scanOnce(): Promise<{ rotated: DirEntryInfo[]; gz: string[] }> {
    let names: string[];
    try {
      const d = await stat(this.dir);
      this.stamp = `${d.mtimeMs}:${d.ctimeMs}`;
      // Directory times come from a coarse kernel clock: a change later in the same tick would
      // leave the stamp as it is, so a stamp this recent is not trusted to mean "unchanged".
      this.stampFresh = Date.now() - d.mtimeMs < DIR_STAMP_TRUST_MS;
      names = (await readdir(this.dir)).sort();
    } catch {
      return { rotated: [], gz: [] };
    }
    const gz = names.filter((n) => this.names.isCompressed(n));
    // In parallel: a directory can hold hundreds of backups, and the scan runs on every rotation.
    const stats = await Promise.all(
      names
        .filter((n) => this.names.isRotated(n))
        .map(async (name): Promise<DirEntryInfo | undefined> => {
          try {
            const st = await stat(join(this.dir, name));
            return st.isFile() ? { name, key: keyOf(st), st } : undefined;
          } catch {
            return undefined; // gone between readdir and stat: compressed (the .gz check covers it) or deleted
          }
        }),
    );
    return { rotated: stats.filter((r): r is DirEntryInfo => r !== undefined), gz };
  }
}

/** The uncompressed size mod 2^32 from a gzip trailer (its last 4 bytes), when readable. */
export async function gzipIsize(path: string): Promise<number | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (st.size < 18) return undefined; // still being written: smaller than a gzip header + trailer
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, st.size - 4);
    return b.readUInt32LE(0);
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
