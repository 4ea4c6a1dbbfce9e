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
    this.prev = lines;
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
    this.real.off('resize', this.onResize);
  }
}
