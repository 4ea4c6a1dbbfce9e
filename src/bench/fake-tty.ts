/**
 * Just enough of a terminal for Ink to draw into and read keys from, without one: the screen bench
 * (src/bench/screen.ts) and the screen's tests (test/ui) drive the real UI through these.
 */
import { EventEmitter } from 'node:events';

/** A TTY stdout: counts what was written, and keeps it all when asked to (tests; never the bench). */
export class FakeTty extends EventEmitter {
  readonly isTTY = true;
  bytes = 0;
  writes = 0;
  /** the latest write */
  last = '';
  /** everything written, when constructed with keep = true */
  out = '';
  constructor(
    public columns = 100,
    public rows = 30,
    private readonly keep = false,
  ) {
    super();
  }
  write(s: string, cb?: () => void): boolean {
    this.bytes += Buffer.byteLength(s);
    this.writes++;
    this.last = s;
    if (this.keep) this.out += s;
    this.emit('wrote', s);
    if (cb) queueMicrotask(cb);
    return true;
  }
}

/** A TTY stdin as Ink reads it: raw mode, 'readable' + read(); press() types a key. */
export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  /** raw mode as last set */
  raw = false;
  private readonly queue: string[] = [];
  setRawMode(v: boolean): this {
    this.raw = v;
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  press(s: string): void {
    this.queue.push(s);
    this.emit('readable');
  }
}
