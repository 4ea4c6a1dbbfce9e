import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { GapInfo } from '../../detect/types.js';
import { SourceError, sourceErrorFrom } from '../file-source.js';
import { LineSplitter, type SplitResult } from '../lines.js';
import type { SourceItem } from '../source.js';
import { backfillScan } from './backfill.js';
import { DirScanner, type DirEntryInfo, gzipIsize, keyOf } from './dir-scan.js';
import { rotatedNameMatcher, type RotatedNameMatcher } from './rotated-names.js';
import { chokidarDirWatcher, networkFilesystem, type DirWatcher, type DirWatcherFactory } from './wake.js';

/**
 * Following one path as a state machine (the shape of @logdna/tail-file):
 *
 *   stat(path) is the truth. The path's (dev, ino, birth time) is compared with the handle we hold:
 *   - same file, size below our position → truncated (copytruncate): the new rotated file whose
 *     bytes before our position match what we read is logrotate's copy; read its rest (and any later
 *     copies, by birth time), then the file from 0;
 *   - same file, the ~512 bytes before our position changed → rewritten under us: same as truncated
 *     (before we have read anything, its first bytes and new copies in the directory play that role);
 *   - another file → rotated: keep the old handle and drain it to its end first (lumberjack closes,
 *     renames, creates; a rename-then-reopen writer may still append to the old file for a moment),
 *     pick up rotated files we never saw as the live file (several rotations between two looks) by
 *     scanning the directory for unknown inodes under rotated names, then read the new file from 0;
 *   - missing → wait (ENOENT for microseconds during a rotation is not "gone").
 *
 * Every file the path has pointed at is opened as soon as it is seen and kept open until drained, so
 * a rotated file that is deleted or compressed afterwards is still read in full. Watching (stat,
 * open) runs on every wake-up; reading runs only when the consumer asks for the next item, one chunk
 * at a time, so a slow consumer bounds memory but never loses a rotation.
 */

/** Options for following files (`auditop FILE…`). */
export interface FollowOptions {
  /** lines longer than this are skipped while they stream past (SPEC §2) */
  maxLineBytes: number;
  /** complete lines already in the file to emit before following (`--backfill N`) */
  backfill: number;
  /** read the existing content from the beginning instead (`--from-start`) */
  fromStart: boolean;
  /** fallback poll period in ms while a watcher runs (tests shorten or lengthen it) */
  pollMs?: number;
  /** directory watcher used as a wake-up; `false` polls only */
  watcher?: DirWatcherFactory | false;
  /** wall clock for gap timestamps and grace periods */
  now?: () => number;
  /** debugging: called with a line for each state change (segments opened, placed, read, retired) */
  trace?: (event: string) => void;
}

/**
 * Bytes per read: 256 KiB is ~250 typical events, one batch the pipeline decodes in a few ms (the
 * screen stays responsive) and the most a follower holds ahead of its consumer besides a partial line.
 */
const CHUNK = 256 * 1024;
/**
 * How many bytes before our position we re-read on every read to notice a file rewritten to the
 * same or a larger size (copytruncate followed by fast writes): 512 bytes hold several event
 * timestamps and IDs, so an unrelated rewrite cannot match by chance.
 */
const TAIL_BYTES = 512;
/**
 * Safety poll while the watcher runs: chokidar/inotify can miss events (NFS, overlay filesystems,
 * a burst of rotations), so we stat anyway. 400 ms keeps the worst-case latency of a missed event
 * well under a second while costing one stat per file (≈0% CPU when the log is quiet).
 */
export const SAFETY_POLL_MS = 400;
/** Poll period when there is no watcher (inotify limit reached): the only wake-up, so faster. */
export const POLL_ONLY_MS = 250;
/**
 * lumberjack closes, renames, then creates: the path is missing for microseconds on every rotation.
 * Only a path missing for longer than this is reported as gone.
 */
const MISSING_NOTICE_MS = 1000;
/**
 * A deleted file (no successor yet) is kept open this long after it was drained, in case its writer
 * still appends to it, then released so its disk space is freed.
 */
const DELETED_RELEASE_MS = 5000;
/**
 * Most files held open per followed path (live file plus rotated ones not yet drained). Real
 * rotations come minutes apart; hundreds pending means the consumer stopped for a very long time,
 * and holding more handles would pin unbounded disk space (Node raises the soft descriptor limit to
 * the hard one, usually ≥ 4096, so 256 per path leaves room for several paths).
 */
const MAX_SEGMENTS = 256;

const EMPTY = Buffer.alloc(0);

/** One file the path has pointed at, open until we have read it to its end. */
interface Segment {
  fh: FileHandle;
  /** identity: dev, inode and birth time (an inode number alone can be reused after a delete) */
  key: string;
  /** next byte to read */
  pos: number;
  /** the last ≤ TAIL_BYTES bytes before `pos` (a copy), to notice a rewrite */
  tail: Buffer;
  /** largest size known to hold this content: what was provably there when a truncation cuts unread bytes */
  size: number;
  /**
   * largest size stat() reported since the last read. Not trusted until the next read finds the
   * bytes before `pos` unchanged: the file may already have been rewritten when it was measured.
   */
  statSize: number;
  /**
   * size at the last look: a file never shrinks except by truncation, so a smaller size means one
   * even before we have read from it (a live file waiting behind copies we are still draining)
   */
  lastSize: number;
  /**
   * the first ≤ TAIL_BYTES bytes, while nothing has been read from it yet (the live file waiting
   * behind files we are still draining): a change means it was truncated and rewritten meanwhile
   */
  head: Buffer;
  /** known complete (a rotated file found late, a copytruncate copy): retire at its end */
  final: boolean;
  /** still the file at the followed path */
  live: boolean;
  /** the name it was found under after rotation, when seen */
  rotatedName: string | undefined;
  /** birth time (ms; 0 where the filesystem has none): rotation order */
  born: number;
  /** when a deleted file was found drained (grace before releasing it) */
  drainedAt: number | undefined;
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Keeps a set from growing without bound: drops the oldest insertions beyond `max`. */
function capSet(s: Set<string>, max: number): void {
  for (const v of s) {
    if (s.size <= max) break;
    s.delete(v);
  }
}

export class FileTail {
  readonly dir: string;
  /** the followed file's name, for messages */
  private readonly base: string;
  private readonly names: RotatedNameMatcher;
  private readonly scanner: DirScanner;
  private readonly splitter: LineSplitter;
  private readonly buf = Buffer.allocUnsafe(TAIL_BYTES + CHUNK);
  private readonly now: () => number;
  private chain: Segment[] = [];
  private readonly queue: SourceItem[] = [];
  /** rotated files already accounted for (there at start, or read): never read them again */
  private readonly seen = new Set<string>();
  private readonly seenGz = new Set<string>();
  /** rotated names seen uncompressed: their later `.gz` is no loss */
  private readonly knownNames = new Set<string>();
  /** sizes of drained files whose rotated name we never saw, to recognise their `.gz` */
  private readonly unnamedSizes: number[] = [];
  /** first bytes of the last few copies and rotated files we finished reading */
  private readonly recentHeads: Buffer[] = [];
  private started = false;
  private everOpened = false;
  private missingSince: number | undefined;
  private waitingNotified = false;
  private goneNotified = false;
  private fatal: Error | undefined;
  private closed = false;
  private closePromise: Promise<void> | undefined;
  private lockTail: Promise<unknown> = Promise.resolve();
  private checkQueued = false;
  private wakeSeq = 0;
  private waiter: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: DirWatcher | undefined;
  private watcherState: 'none' | 'running' | 'failed' = 'none';
  private running = false;
  private overflowReported = false;

  constructor(
    readonly path: string,
    private readonly opts: FollowOptions,
  ) {
    this.dir = dirname(path);
    this.base = basename(path);
    this.names = rotatedNameMatcher(path);
    this.scanner = new DirScanner(this.dir, this.names);
    this.splitter = new LineSplitter(opts.maxLineBytes);
    this.now = opts.now ?? Date.now;
    if (opts.watcher === false) this.watcherState = 'failed';
  }

  /** The next item; waits for the file to change; null once closed. */
  async next(): Promise<SourceItem | null> {
    this.start();
    for (;;) {
      if (this.closed) return null;
      const item = this.queue.shift();
      if (item) return item;
      if (this.fatal) throw this.fatal;
      if (!this.started) {
        await this.locked(() => this.check());
        continue;
      }
      const seq = this.wakeSeq;
      const progressed = await this.locked(() => this.readStep());
      if (progressed || this.queue.length > 0 || this.fatal) continue;
      // A wake-up that came while we were reading may announce data we have not read yet.
      // close() may have run while we were reading: its release() found no waiter to wake.
      if (seq !== this.wakeSeq || this.closed) continue;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closed = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.release();
      const w = this.watcher;
      this.watcher = undefined;
      await w?.close().catch(() => undefined);
      // Wait for a read or check in flight, then release the handles.
      await this.locked(async () => {
        const segs = this.chain;
        this.chain = [];
        await Promise.all(segs.map((s) => s.fh.close().catch(() => undefined)));
      });
    })();
    return this.closePromise;
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.setPoll(this.watcherState === 'failed' ? POLL_ONLY_MS : (this.opts.pollMs ?? SAFETY_POLL_MS));
  }

  private setPoll(ms: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(this.wake, ms);
  }

  /** Look again now: called by the watcher, the poll, and after errors. */
  private readonly wake = (): void => {
    if (this.closed) return;
    this.wakeSeq++;
    if (!this.checkQueued) {
      this.checkQueued = true;
      // The check is queued on the lock before the consumer's next read, so that read sees its result.
      void this.locked(() => this.check());
    }
    this.release();
  };

  private release(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Runs state changes one at a time (checks come from timers and the watcher, reads from the consumer). */
  private locked<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const p = this.lockTail.then(async () => {
      try {
        return await fn();
      } catch (e) {
        this.fail(e);
        return undefined;
      }
    });
    this.lockTail = p;
    return p;
  }

  /** The source cannot go on (unreadable file, I/O error): items() throws this, the CLI exits 1. */
  private fail(e: unknown): void {
    if (this.fatal) return;
    this.fatal = sourceErrorFrom(this.path, e);
    this.release();
  }

  private trace(event: () => string): void {
    if (this.opts.trace) this.opts.trace(event());
  }

  private chainState(): string {
    return this.chain.map((s) => `${s.rotatedName ?? '-'}#${s.key.split(':')[1]}@${s.pos}${s.live ? 'L' : ''}${s.final ? 'F' : ''}`).join(' ');
  }

  private notice(message: string): void {
    this.queue.push({ kind: 'notice', source: this.path, message });
  }

  private gap(kind: GapInfo['kind'], message: string, bytes?: number): void {
    const gap: GapInfo = { ts: this.now(), source: this.path, kind, message };
    if (bytes !== undefined) gap.bytes = bytes;
    this.queue.push({ kind: 'gap', gap });
  }

  private emit(res: SplitResult): void {
    if (res.lines.length > 0) this.trace(() => `lines ${res.lines[0]?.slice(0, 14)} … ${res.lines[res.lines.length - 1]?.slice(0, 14)}`);
    if (res.lines.length > 0) this.queue.push({ kind: 'lines', source: this.path, lines: res.lines });
    for (const bytes of res.longLines) this.queue.push({ kind: 'long', source: this.path, bytes });
  }

  private liveSegment(): Segment | undefined {
    return this.chain.find((s) => s.live);
  }

  private async ensureWatcher(): Promise<void> {
    if (this.watcherState !== 'none' || this.closed) return;
    try {
      await stat(this.dir);
    } catch {
      return; // the directory does not exist yet: the poll will find it
    }
    if (this.closed) return; // closed while we looked: a watcher now would outlive close()
    const factory = this.opts.watcher || chokidarDirWatcher;
    this.watcherState = 'running';
    const netfs = await networkFilesystem(this.dir);
    if (netfs !== undefined && !this.closed) {
      // The watcher still reports this host's writes; other hosts' writes only the poll sees.
      this.notice(`on a network filesystem (${netfs}): file watching misses other hosts' writes; polling every ${POLL_ONLY_MS} ms too`);
      if (this.running) this.setPoll(POLL_ONLY_MS);
    }
    if (this.closed) return;
    try {
      this.watcher = factory(this.dir, this.names.isRelevant, this.wake, (err) => this.watcherFailed(err));
    } catch (err) {
      this.watcherFailed(err as NodeJS.ErrnoException);
    }
  }

  private watcherFailed(err: NodeJS.ErrnoException): void {
    if (this.watcherState === 'failed' || this.closed) return;
    this.watcherState = 'failed';
    const w = this.watcher;
    this.watcher = undefined;
    void w?.close().catch(() => undefined);
    const why =
      err.code === 'ENOSPC' || err.code === 'EMFILE' || err.code === 'ENFILE'
        ? `${err.code}: inotify limit reached`
        : (err.code ?? err.message);
    this.notice(`file watching unavailable (${why}); polling every ${POLL_ONLY_MS} ms`);
    if (this.running) this.setPoll(POLL_ONLY_MS);
    this.wake();
  }

  // ---------------------------------------------------------------- watching

  private async check(): Promise<void> {
    this.checkQueued = false;
    if (this.closed || this.fatal) return;
    const first = !this.started;
    this.started = true;
    await this.ensureWatcher();
    let st: Stats;
    try {
      st = await stat(this.path);
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // Rotated files already there when we start are history, not news.
        if (first) await this.rememberHistory();
        this.onMissing();
        return;
      }
      throw e;
    }
    if (!st.isFile()) {
      throw new SourceError(this.path, 'ENOTFILE', `cannot follow ${this.path}: not a regular file (to read a pipe, use: auditop - < ${this.path})`);
    }
    const wasMissing = this.missingSince !== undefined;
    const wasGone = this.goneNotified;
    this.missingSince = undefined;
    this.goneNotified = false;
    const key = keyOf(st);
    const live = this.liveSegment();
    if (live && live.key === key) {
      if (
        st.size < live.pos ||
        st.size < live.lastSize ||
        (await this.headChanged(live, st.size)) ||
        (await this.copiedUnseen(live))
      ) {
        // (truncated() sets lastSize from what it found: `st` may predate the truncation)
        await this.truncated(live);
      } else {
        live.statSize = Math.max(live.statSize, st.size);
        live.lastSize = st.size;
      }
      return;
    }
    if (live) live.live = false;
    const back = this.chain.find((s) => s.key === key);
    if (back) {
      // Renamed away and back again: it is the same file, keep reading where we were.
      back.live = true;
      return;
    }
    if (this.chain.length >= MAX_SEGMENTS) {
      // Said once: every look until the consumer drains some would say it again, and these
      // items would pile up while it is stopped. The file is opened once there is room.
      if (!this.overflowReported) this.gap('other', `${this.base}: too many rotated files waiting to be read; newer ones may be lost`);
      this.overflowReported = true;
      return;
    }
    this.overflowReported = false;
    const hadOpened = this.everOpened;
    // Open first, then scan: every file rotated before this open shows up in the scan.
    const seg = await this.openSegment(this.path);
    if (!seg) return; // rotated again between stat and open: the next wake-up sees the new file
    seg.live = true;
    let fromHistory = 0;
    if (first && !this.opts.fromStart) {
      const { start, complete } = await backfillScan(seg.fh, seg.size, this.opts.backfill);
      seg.pos = start;
      // Just rotated, fewer lines than asked for: the rest comes from the newest rotated files.
      fromHistory = this.opts.backfill - complete;
      // The bytes before where we start guard against a rewrite before our first read, too.
      const k = Math.min(TAIL_BYTES, seg.pos);
      const tail = Buffer.alloc(k);
      const { bytesRead } = await seg.fh.read(tail, 0, k, seg.pos - k);
      seg.tail = tail.subarray(0, bytesRead);
    }
    const missed = await this.placeWithMissed(seg, first, fromHistory);
    this.everOpened = true;
    if (first) return;
    if (hadOpened) {
      this.notice(
        missed.length > 0
          ? `rotated ${missed.length + 1} times since last read; reading ${missed.join(', ')} in order`
          : wasGone
            ? `is back (a new file); reading it from the start`
            : 'rotated; finishing the old file, then reading the new one from the start',
      );
    } else if (wasMissing) {
      this.notice('appeared; following it');
    }
  }

  /**
   * Adds the file just opened at the path to the chain, together with rotated files whose inodes we
   * never held: rotations that happened between two looks. Those are opened right away (so a later
   * delete or gzip cannot take them) and ordered by their rotated names (lumberjack's timestamp,
   * logrotate's number), which is rotation order even when rotations come faster than the
   * filesystem's coarse clock. Files rotated before the new file are read before it; if the new file
   * itself was already rotated by the time we scanned, files rotated after it come after it.
   * At start (`history`), the older ones are history and only remembered.
   */
  private async placeWithMissed(seg: Segment, history: boolean, backfill = 0): Promise<string[]> {
    const { rotated, gz } = await this.scanner.scan();
    const held = new Set(this.chain.map((s) => s.key));
    const own = rotated.find((r) => r.key === seg.key);
    const missed = rotated
      .filter((r) => !this.seen.has(r.key) && !held.has(r.key) && r.key !== seg.key)
      .sort(this.byRotation);
    const older = missed.filter((m) => own === undefined || this.byRotation(m, own) < 0);
    const newer = missed.filter((m) => !older.includes(m));
    if (own) {
      seg.rotatedName = own.name;
      seg.live = false; // already rotated away: the next look finds the file now at the path
    }
    this.chain.push(seg);
    // Each goes where its birth puts it among the files not started yet: usually just before the
    // new file, but before an earlier one too when a scan missed it (readdir can skip an entry
    // that is being renamed).
    const names = await this.pushRotated(history ? newer : missed);
    this.trace(() => `placed #${seg.key.split(':')[1]} own=${own?.name} missed=${missed.map((m) => m.name).join(',')} → ${this.chainState()}`);
    if (history) for (const m of older) this.knownNames.add(m.name);
    if (history && backfill > 0) await this.backfillFromHistory(older, backfill);
    for (const g of history ? gz : []) this.seenGz.add(g);
    await this.afterScan(rotated, gz);
    return names;
  }

  /**
   * The last `wanted` complete lines of the newest rotated files (oldest first, before the live
   * file): `--backfill N` shows N events even just after a rotation. Reads backwards, never whole.
   */
  private async backfillFromHistory(older: DirEntryInfo[], wanted: number): Promise<void> {
    const segs: Segment[] = [];
    let need = wanted;
    for (let i = older.length - 1; i >= 0 && need > 0 && this.chain.length + segs.length < MAX_SEGMENTS; i--) {
      const r = older[i] as DirEntryInfo;
      const seg = await this.openRotated(r);
      if (!seg) continue;
      const { start, complete } = await backfillScan(seg.fh, seg.size, need);
      seg.pos = start;
      seg.final = true;
      segs.unshift(seg);
      need -= complete;
    }
    this.chain.unshift(...segs);
  }

  /**
   * Rotation order. Birth time first: each rotated file or copy was created when its turn came, and
   * unlike names it does not change (logrotate renames `.1` to `.2` while we scan). Birth times come
   * from a coarse kernel clock and tie within a tick, and some filesystems have none (0): then the
   * rotated name decides (lumberjack's timestamp, logrotate's number), then the modification time.
   */
  private readonly byRotation = (a: DirEntryInfo, b: DirEntryInfo): number => {
    if (a.st.birthtimeMs !== b.st.birthtimeMs) return a.st.birthtimeMs - b.st.birthtimeMs;
    const ra = this.names.rank(a.name);
    const rb = this.names.rank(b.name);
    return ra < rb ? -1 : ra > rb ? 1 : a.st.mtimeMs - b.st.mtimeMs;
  };

  private async pushRotated(files: DirEntryInfo[]): Promise<string[]> {
    const names: string[] = [];
    for (const m of files) {
      if (this.chain.length >= MAX_SEGMENTS) {
        this.gap('rotated-unread', `too many rotated files waiting; ${m.name} was not read`, m.st.size);
        continue;
      }
      const seg = await this.openRotated(m);
      if (!seg) {
        this.gap('rotated-unread', `rotated file ${m.name} vanished before auditop could read it`, m.st.size);
        continue;
      }
      seg.final = true;
      this.insertByBirth(seg);
      names.push(m.name);
    }
    return names;
  }

  /** Inserts a rotated file before the trailing files that were created after it and not started. */
  private insertByBirth(x: Segment): void {
    let i = this.chain.length;
    for (; i > 0; i--) {
      const s = this.chain[i - 1] as Segment;
      const unstarted = s.pos === 0 && s.tail.length === 0;
      if (!unstarted || !this.bornAfter(s, x)) break;
    }
    this.chain.splice(i, 0, x);
  }

  /** Whether `s` was created after `x` (birth time; in the same clock tick, the rotated name). */
  private bornAfter(s: Segment, x: Segment): boolean {
    if (s.born !== x.born) return s.born > x.born;
    if (s.rotatedName === undefined) return true; // still the live file: the newest
    if (x.rotatedName === undefined) return false;
    return this.names.rank(s.rotatedName) > this.names.rank(x.rotatedName);
  }

  /**
   * For a live file we have not started reading (still draining older files or copies): whether its
   * first bytes changed since the last look. Remembers them otherwise. One small read per look,
   * and only in that state, which lasts until the consumer reaches the file.
   */
  private async headChanged(seg: Segment, size: number): Promise<boolean> {
    if (seg.pos !== 0 || size === 0) return false;
    const n = Math.min(TAIL_BYTES, size);
    const b = Buffer.alloc(n);
    const { bytesRead } = await seg.fh.read(b, 0, n, 0);
    const common = Math.min(bytesRead, seg.head.length);
    if (!b.subarray(0, common).equals(seg.head.subarray(0, common))) return true;
    if (bytesRead > seg.head.length) seg.head = b.subarray(0, bytesRead);
    return false;
  }

  private onMissing(): void {
    const live = this.liveSegment();
    if (live) live.live = false;
    const now = this.now();
    this.missingSince ??= now;
    if (!this.everOpened) {
      if (!this.waitingNotified) {
        this.waitingNotified = true;
        this.notice('waiting for the file (it does not exist yet)');
      }
    } else if (!this.goneNotified && now - this.missingSince >= MISSING_NOTICE_MS) {
      this.goneNotified = true;
      this.notice('is gone; waiting for it to come back');
    }
  }

  private async openSegment(path: string): Promise<Segment | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined;
      throw e;
    }
    const st = await fh.stat();
    return {
      fh,
      key: keyOf(st),
      pos: 0,
      tail: EMPTY,
      size: st.size,
      statSize: 0,
      lastSize: st.size,
      head: EMPTY,
      final: false,
      live: false,
      rotatedName: undefined,
      born: st.birthtimeMs,
      drainedAt: undefined,
    };
  }

  /**
   * Opens the rotated file `r` found in a scan. logrotate renames `.1` to `.2` on every rotation,
   * so by the time we open it the name may hold another file: find the inode under its new name.
   */
  private async openRotated(r: DirEntryInfo): Promise<Segment | undefined> {
    let name: string | undefined = r.name;
    // A few tries: each retry follows one more rename; more than that is a rotation storm we lose.
    for (let attempt = 0; attempt < 3 && name !== undefined; attempt++) {
      const seg = await this.openSegment(join(this.dir, name));
      if (seg?.key === r.key) {
        seg.rotatedName = name;
        return seg;
      }
      await seg?.fh.close();
      name = (await this.scanner.scan()).rotated.find((x) => x.key === r.key)?.name;
    }
    return undefined;
  }

  /**
   * The one state where size and content checks are blind: we hold nothing of the live file yet (no
   * byte read, no byte seen). Lines written and copytruncated away before our next look leave only
   * one trace, the copy. So while in that state, a directory that changed since our last scan is
   * scanned for rotated files we do not know (one stat of the directory per look otherwise).
   */
  private async copiedUnseen(seg: Segment): Promise<boolean> {
    if (seg.pos !== 0 || seg.head.length > 0) return false;
    if (!(await this.scanner.changedSinceScan())) return false;
    const { rotated } = await this.scanner.scan();
    const held = new Set(this.chain.map((s) => s.key));
    if (!rotated.some((r) => !this.seen.has(r.key) && !held.has(r.key) && r.st.size > 0)) return false;
    // New rotated files are copies only if our file is still at the path: a rename rotation we have
    // not noticed yet also adds rotated files (newer than ours), and the next look handles that.
    // (Checked after the scan: a file that left the path never comes back to it.)
    return this.stillAtPath(seg);
  }

  private async stillAtPath(seg: Segment): Promise<boolean> {
    try {
      return keyOf(await stat(this.path)) === seg.key;
    } catch {
      return false;
    }
  }

  /** Rotated files present when we started (and the path missing) are history: remember them as read. */
  private async rememberHistory(): Promise<void> {
    const { rotated, gz } = await this.scanner.scan();
    for (const g of gz) this.seenGz.add(g);
    await this.afterScan(rotated, gz);
  }

  /** Bookkeeping after a scan: names of held files, what counts as seen, compressed files we missed. */
  private async afterScan(rotated: DirEntryInfo[], gz: string[]): Promise<void> {
    for (const r of rotated) {
      this.knownNames.add(r.name);
      const held = this.chain.find((s) => s.key === r.key);
      if (held) held.rotatedName = r.name;
    }
    // Cumulative: a scan can miss a file being renamed (readdir then stat races logrotate's
    // `.1` → `.2`), and forgetting it would read it again. Keys carry the birth time, so a reused
    // inode number is a new key; the cap only bounds memory over months of rotations.
    for (const r of rotated) this.seen.add(r.key);
    capSet(this.seen, 4096);
    for (const name of gz) {
      if (this.seenGz.has(name)) continue;
      this.seenGz.add(name);
      if (this.knownNames.has(name.slice(0, -3))) continue; // we saw it uncompressed: held or history
      const isize = await gzipIsize(join(this.dir, name));
      // A file we drained through its handle without ever seeing its rotated name: match by size.
      // Its current size: it may have grown since we last measured it. The file we think is live
      // counts too once it has left the path: the scan can run after a rotation our stat missed.
      let held: Segment | undefined;
      for (const s of this.chain) {
        if (s.rotatedName || isize === undefined) continue;
        if (s.live && (await this.stillAtPath(s))) continue;
        if ((await s.fh.stat()).size % 2 ** 32 === isize) held = s;
      }
      if (held) {
        held.rotatedName = name.slice(0, -3);
        continue;
      }
      const i = this.unnamedSizes.findIndex((size) => isize !== undefined && size % 2 ** 32 === isize);
      if (i >= 0) {
        this.unnamedSizes.splice(i, 1);
        continue;
      }
      this.gap(
        'rotated-unread',
        // (The byte count travels in `bytes`; the audit-gap alert adds it to the message.)
        `rotated file ${name} was compressed before auditop could read it`,
        isize,
      );
    }
    capSet(this.knownNames, 4096);
    capSet(this.seenGz, 4096);
  }

  /**
   * Same file, but shorter than our position or rewritten under us (copytruncate). logrotate copied
   * it first: a new rotated file whose bytes before our position match what we read is that copy, and
   * the rest of it is exactly what we had not read yet. Otherwise the unread bytes are a gap.
   */
  private async truncated(seg: Segment): Promise<void> {
    // What the file holds now, taken BEFORE the scan: another copytruncate after this point changes
    // these first bytes (so the next look catches it) even if its copy is too new for this scan.
    const now = await this.headOf(seg);
    const { rotated, gz } = await this.scanner.scan();
    const held = new Set(this.chain.map((s) => s.key));
    const fresh = rotated.filter((r) => !this.seen.has(r.key) && !held.has(r.key)).sort(this.byRotation);
    let copy: Segment | undefined;
    let later: DirEntryInfo[] = [];
    for (const [j, r] of fresh.entries()) {
      if (r.st.size < seg.pos) continue;
      const cand = await this.openRotated(r);
      if (!cand) continue;
      // The copy holds what we read (the bytes before our position) or, if we read nothing yet,
      // starts with the first bytes we saw.
      const expect = seg.pos > 0 ? seg.tail : seg.head;
      const at = seg.pos > 0 ? seg.pos - expect.length : 0;
      const probe = Buffer.alloc(expect.length);
      const { bytesRead } = expect.length > 0 ? await cand.fh.read(probe, 0, expect.length, at) : { bytesRead: 0 };
      if (bytesRead === expect.length && probe.equals(expect)) {
        copy = cand;
        copy.pos = seg.pos;
        copy.tail = seg.tail;
        copy.final = true;
        copy.rotatedName = r.name;
        // Copies made after it (several copytruncates between two looks) hold the lines written in
        // between: they are read whole, in rotation order, before the file itself.
        later = fresh.slice(j + 1);
        break;
      }
      await cand.fh.close();
    }
    // With nothing read from it yet, the content we saw may already be in a copy we hold (found as
    // a later copy by the previous truncation): then nothing is missing.
    const accounted = !copy && seg.pos === 0 && (await this.heldCopyStartsWith(seg.head, seg));
    if (!copy && fresh.length > 0) {
      // Copies we never saw, none holding our position (or, with nothing read yet, none starting
      // with what we saw): they are all later than what we read, so read them whole, in order.
      later = fresh;
      if ((seg.pos > 0 || seg.head.length > 0) && !accounted) {
        this.gap(
          'truncated',
          `${this.base} was truncated and copied several times before auditop could finish it; the copy holding the lines after what it read is gone`,
        );
      }
    }
    const lost = copy ? Math.max(0, seg.size - copy.size) : accounted ? 0 : Math.max(0, seg.size - seg.pos);
    if (lost > 0) {
      this.gap(
        'truncated',
        `${this.base} was truncated before auditop had read all of it` +
          (copy ? ` (lines written after logrotate copied it to ${copy.rotatedName})` : ''),
        lost,
      );
    }
    this.notice(
      copy
        ? `truncated after being copied to ${copy.rotatedName}; finishing the copy, then reading the file from the start`
        : 'truncated; reading it from the start',
    );
    this.trace(() => `truncated #${seg.key.split(':')[1]} at ${seg.pos} copy=${copy?.rotatedName} later=${later.map((l) => l.name).join(',')}`);
    const i = this.chain.indexOf(seg);
    if (copy || later.length > 0) {
      const whole: Segment[] = [];
      for (const r of later) {
        const w = await this.openRotated(r);
        if (!w) {
          this.gap('rotated-unread', `copy ${r.name} vanished before auditop could read it`, r.st.size);
          continue;
        }
        w.final = true;
        w.rotatedName = r.name;
        whole.push(w);
      }
      this.chain.splice(i, 0, ...(copy ? [copy] : []), ...whole);
    }
    // The partial line we hold continues in the copy; without a copy its end is gone.
    if (!copy && i === 0) this.splitter.reset();
    seg.pos = 0;
    seg.tail = EMPTY;
    seg.head = now.head;
    seg.size = now.size;
    seg.statSize = 0;
    seg.lastSize = now.size;
    await this.afterScan(rotated, gz);
  }

  /** Whether a copy or rotated file queued before `seg` (or just read) starts with `head`. */
  private async heldCopyStartsWith(head: Buffer, seg: Segment): Promise<boolean> {
    if (head.length === 0) return false;
    if (this.recentHeads.some((h) => h.length >= head.length && h.subarray(0, head.length).equals(head))) return true;
    for (const s of this.chain) {
      if (s === seg) break;
      if (!s.final) continue;
      const b = Buffer.alloc(head.length);
      const { bytesRead } = await s.fh.read(b, 0, head.length, 0);
      if (bytesRead === head.length && b.equals(head)) return true;
    }
    return false;
  }

  private async headOf(seg: Segment): Promise<{ head: Buffer; size: number }> {
    const size = (await seg.fh.stat()).size;
    const head = Buffer.alloc(Math.min(TAIL_BYTES, size));
    const { bytesRead } = await seg.fh.read(head, 0, head.length, 0);
    // Fewer bytes than measured: truncated again in between, and the size is stale.
    return { head: head.subarray(0, bytesRead), size: bytesRead < head.length ? bytesRead : size };
  }

  // ---------------------------------------------------------------- reading

  /** Reads one chunk or retires a drained file. Returns whether anything changed. */
  private async readStep(): Promise<boolean> {
    if (this.closed) return false;
    const seg = this.chain[0];
    if (!seg) return false;
    // Decide whether the writer has moved on BEFORE reading: an end of file seen after that
    // observation is the real end (the other order would lose a line appended in between).
    let writerMoved = seg.final;
    const next = this.chain[1];
    if (!writerMoved && next) writerMoved = this.chain.length > 2 || (await next.fh.stat()).size > 0;
    if (seg.live && seg.pos === 0) {
      // About to start on the live file: if it was truncated again since we last looked (a
      // copytruncate while we drained the previous copy), its copy comes first.
      const size = (await seg.fh.stat()).size;
      if (size < seg.lastSize || (await this.headChanged(seg, size)) || (await this.copiedUnseen(seg))) {
        await this.truncated(seg);
        return true;
      }
    }
    const k = seg.tail.length;
    const { bytesRead } = await seg.fh.read(this.buf, 0, k + CHUNK, seg.pos - k);
    if (k > 0 && (bytesRead < k || !this.buf.subarray(0, k).equals(seg.tail))) {
      if (seg.live) {
        await this.truncated(seg);
      } else {
        this.gap('truncated', `${seg.rotatedName ?? 'a rotated file'} was changed after rotation before auditop finished reading it`);
        await this.retire(seg);
      }
      return true;
    }
    // The content before `pos` is unchanged, so the sizes measured before this read were of it.
    seg.size = Math.max(seg.size, seg.statSize);
    seg.statSize = 0;
    const n = bytesRead - k;
    if (n > 0 && seg.live && seg.pos === 0 && seg.head.length > 0) {
      // The first read of the live file: another copytruncate may have come between the check
      // above and this read. What we read must start with the first bytes we saw.
      const m = Math.min(n, seg.head.length);
      if (!this.buf.subarray(k, k + m).equals(seg.head.subarray(0, m))) {
        await this.truncated(seg);
        return true;
      }
    }
    if (n > 0) {
      this.trace(() => `read #${seg.key.split(':')[1]} at ${seg.pos} +${n} moved=${writerMoved}`);
      this.emit(this.splitter.push(this.buf.subarray(k, bytesRead)));
      seg.pos += n;
      seg.size = Math.max(seg.size, seg.pos);
      seg.tail = Buffer.from(this.buf.subarray(Math.max(0, bytesRead - TAIL_BYTES), bytesRead));
      seg.drainedAt = undefined;
      return true;
    }
    if (writerMoved) {
      await this.retire(seg);
      return true;
    }
    if (!seg.live && this.chain.length === 1) {
      const st = await seg.fh.stat();
      if (st.nlink === 0) {
        const now = this.now();
        seg.drainedAt ??= now;
        if (now - seg.drainedAt >= DELETED_RELEASE_MS) {
          await this.retire(seg);
          return true;
        }
      }
    }
    return false;
  }

  private async retire(seg: Segment): Promise<void> {
    this.trace(() => `retire #${seg.key.split(':')[1]} at ${seg.pos} → ${this.chainState()}`);
    this.emit(this.splitter.end());
    this.chain.shift();
    if (seg.final) {
      // Remember how the copies we finished began (see heldCopyStartsWith).
      const h = await this.headOf(seg);
      this.recentHeads.push(h.head);
      if (this.recentHeads.length > 8) this.recentHeads.shift();
    }
    this.seen.add(seg.key); // read to its end: never again, whatever name it turns up under
    await seg.fh.close().catch(() => undefined);
    if (!seg.rotatedName) {
      this.unnamedSizes.push(seg.size);
      // Only recent rotations can still be waiting for compression.
      if (this.unnamedSizes.length > 16) this.unnamedSizes.shift();
    }
  }
}
