/**
 * The stream Ink draws into: it turns Ink's frames into minimal updates of the alternate screen.
 *
 * Why: Ink 6's standard renderer erases and rewrites every line of the frame on each change (a
 * 120×40 frame is 6–8 KB, ~70 KB/s at 10 frames/s, and it flickers over slow SSH), and its
 * `incrementalRendering` mode is off by one row for frames that end in a newline (every frame
 * shorter than the terminal, which ours must be), so skipped lines show stale content. We own the
 * whole alternate screen, so each frame is diffed line by line against the previous one and only the
 * changed lines are written, at absolute positions, inside a synchronized-update bracket. Nothing is
 * written when the frame did not change.
 */
import { EventEmitter } from 'node:events';

/** What Ink needs of its stdout, and what we need of the real terminal. */
export interface TerminalSink {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean;
  columns?: number;
  rows?: number;
  isTTY?: boolean;
  on(event: 'resize', fn: () => void): unknown;
  off(event: 'resize', fn: () => void): unknown;
}

/** Terminals that know DEC mode 2026 show the frame at once; the others ignore the sequence. */
const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';
/** Ink's log-update prefix: erase line, cursor up, … , cursor to column 1. */
const ERASE_PREFIX = /^(?:\x1b\[2K(?:\x1b\[1A)?)+(?:\x1b\[G)?/;
/** Control-only writes Ink makes (cursor show/hide, its own synchronized-update bracket). */
const CONTROL_ONLY = /^(?:\x1b\[\?25[lh]|\x1b\[\?2026[hl])*$/;

export class ScreenWriter extends EventEmitter {
  private prev: string[] = [];
  /** clear the screen as part of the next frame (cleared in the same write, so there is no blank flash) */
  private clearPending = true;
  private readonly real: TerminalSink;
  private readonly onResize = (): void => {
    // a resized terminal may have reflowed or cleared what we drew: repaint everything next frame
    this.invalidate();
    this.emit('resize');
  };
  private clock: { render: () => string; cols: number; shown: string; timer: ReturnType<typeof setTimeout> | null } | null = null;
  /** bytes written to the terminal (the bench reads this) */
  bytesWritten = 0;
  /** frames that changed something */
  framesWritten = 0;
  readonly isTTY = true;

  constructor(real: TerminalSink) {
    super();
    this.real = real;
    real.on('resize', this.onResize);
  }

  get columns(): number {
    return this.real.columns || 80;
  }

  get rows(): number {
    return this.real.rows || 24;
  }

  /**
   * Draw a clock at the right end of the first row, `cols` wide with one blank column after it,
   * straight onto the terminal once a second: the status line leaves those columns blank, so the
   * tick needs no frame from Ink (a whole frame a second was ~3% of a core while idle).
   */
  startClock(render: () => string, cols: number): void {
    this.clock = { render, cols, shown: '', timer: null };
    const arm = (): void => {
      if (!this.clock) return;
      // aligned to the second, so the clock does not drift against the wall clock
      this.clock.timer = setTimeout(() => {
        this.tickClock();
        arm();
      }, 1000 - (Date.now() % 1000) + 5);
      this.clock.timer.unref?.();
    };
    arm();
  }

  private clockSeq(): string {
    const c = this.clock;
    if (!c || this.prev.length === 0 || this.columns < c.cols + 12) return '';
    c.shown = c.render();
    return `\x1b[1;${this.columns - c.cols}H${c.shown}\x1b[0m`;
  }

  private tickClock(): void {
    const c = this.clock;
    if (!c || this.prev.length === 0) return;
    if (c.render() === c.shown) return;
    const seq = this.clockSeq();
    if (seq) this.send(seq);
  }

  /** Forget what is on screen, so the next frame is drawn whole (after a resize or a clear). */
  invalidate(): void {
    this.prev = [];
    this.clearPending = true;
  }

  write = (chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
    const done = (typeof encodingOrCb === 'function' ? encodingOrCb : cb) as ((err?: Error | null) => void) | undefined;
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const out = this.translate(s);
    if (out === '') {
      if (done) queueMicrotask(() => done(null));
      return true;
    }
    return this.send(out, done);
  };

  /** Turn one write from Ink into what the terminal needs ('' = nothing). */
  translate(s: string): string {
    if (s === '') return '';
    const m = ERASE_PREFIX.exec(s);
    const body = m ? s.slice(m[0].length) : s;
    if (body === '' && m) {
      // Ink cleared its output (resize to a narrower width, unmount): the next frame is drawn whole
      this.invalidate();
      return '';
    }
    // cursor visibility is ours (hidden while drawing, shown on exit); Ink's bracket is replaced by ours
    if (CONTROL_ONLY.test(body)) return '';
    return this.frame(body);
  }

  /** Diff a frame (lines joined by '\n', maybe a trailing '\n') against the screen. */
  frame(text: string): string {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    let out = '';
    const n = Math.max(lines.length, this.prev.length);
    for (let i = 0; i < n; i++) {
      const next = lines[i];
      if (next === this.prev[i]) continue;
      // absolute position, the line, then erase whatever a longer previous line left to its right
      out += `\x1b[${i + 1};1H${next ?? ''}\x1b[K`;
    }
    const statusRewritten = lines[0] !== undefined && (out.startsWith('\x1b[1;1H') || this.clearPending);
    this.prev = lines;
    // rewriting the first row blanked the clock's columns: draw it again in the same write
    if (statusRewritten) out += this.clockSeq();
    if (this.clearPending) {
      this.clearPending = false;
      out = `\x1b[0m\x1b[H\x1b[2J${out}`;
    }
    if (out === '') return '';
    this.framesWritten++;
    return `${BSU}${out}\x1b[0m${ESU}`;
  }

  private send(s: string, cb?: (err?: Error | null) => void): boolean {
    this.bytesWritten += Buffer.byteLength(s);
    return cb ? this.real.write(s, cb) : this.real.write(s);
  }

  dispose(): void {
    if (this.clock?.timer) clearTimeout(this.clock.timer);
    this.clock = null;
    this.real.off('resize', this.onResize);
  }
}
