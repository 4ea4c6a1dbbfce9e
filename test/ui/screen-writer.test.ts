import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ScreenWriter } from '../../src/ui/screen-writer.js';

class FakeTty extends EventEmitter {
  columns = 20;
  rows = 5;
  isTTY = true;
  out: string[] = [];
  write(s: string): boolean {
    this.out.push(s);
    return true;
  }
}

const erase = (n: number): string => Array.from({ length: n }, (_, i) => '\x1b[2K' + (i < n - 1 ? '\x1b[1A' : '')).join('') + (n ? '\x1b[G' : '');

describe('ScreenWriter', () => {
  it('draws the first frame whole at absolute positions', () => {
    const tty = new FakeTty();
    const w = new ScreenWriter(tty);
    w.write('aaa\nbbb\nccc\n');
    expect(tty.out.join('')).toBe('\x1b[?2026h\x1b[0m\x1b[H\x1b[2J\x1b[1;1Haaa\x1b[K\x1b[2;1Hbbb\x1b[K\x1b[3;1Hccc\x1b[K\x1b[0m\x1b[?2026l');
  });

  it('writes only the lines that changed, and nothing for an identical frame', () => {
    const tty = new FakeTty();
    const w = new ScreenWriter(tty);
    w.write('aaa\nbbb\nccc\n');
    tty.out = [];
    w.write(erase(4) + 'aaa\nBBB\nccc\n');
    expect(tty.out.join('')).toBe('\x1b[?2026h\x1b[2;1HBBB\x1b[K\x1b[0m\x1b[?2026l');
    tty.out = [];
    w.write(erase(4) + 'aaa\nBBB\nccc\n');
    expect(tty.out).toEqual([]);
    expect(w.framesWritten).toBe(2);
  });

  it('blanks rows a shorter frame no longer covers', () => {
    const tty = new FakeTty();
    const w = new ScreenWriter(tty);
    w.write('a\nb\nc\n');
    tty.out = [];
    w.write(erase(4) + 'a\n');
    expect(tty.out.join('')).toContain('\x1b[2;1H\x1b[K');
    expect(tty.out.join('')).toContain('\x1b[3;1H\x1b[K');
  });

  it("swallows Ink's cursor and sync controls and repaints whole after a clear or resize", () => {
    const tty = new FakeTty();
    const w = new ScreenWriter(tty);
    w.write('\x1b[?25l');
    expect(tty.out).toEqual([]);
    w.write('x\ny\n');
    w.write(erase(3));
    tty.out = [];
    w.write('x\ny\n');
    expect(tty.out.join('')).toContain('\x1b[1;1Hx');
    tty.out = [];
    tty.emit('resize');
    w.write(erase(3) + 'x\ny\n');
    expect(tty.out.join('')).toContain('\x1b[2J');
    expect(tty.out.join('')).toContain('\x1b[2;1Hy');
  });

  it('reports the real size and calls write callbacks even when nothing is written', async () => {
    const tty = new FakeTty();
    const w = new ScreenWriter(tty);
    expect([w.columns, w.rows]).toEqual([20, 5]);
    let called = false;
    w.write('', () => (called = true));
    await Promise.resolve();
    expect(called).toBe(true);
  });
});

describe('ScreenWriter clock', () => {
  it('draws the clock into the blank end of the first row after a frame, and on its own once a second', async () => {
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const tty = new FakeTty();
      tty.columns = 40;
      const w = new ScreenWriter(tty);
      let t = 'AA:AA:AA';
      w.startClock(() => t, 8);
      w.write(`${'status'.padEnd(40)}\nbody\n`);
      // the clock starts at column 40 - 8 = 32, leaving the last column blank
      expect(tty.out.join('')).toContain('\x1b[1;32HAA:AA:AA');
      tty.out = [];
      vi.advanceTimersByTime(1100);
      expect(tty.out).toEqual([]);
      t = 'BB:BB:BB';
      vi.advanceTimersByTime(1000);
      expect(tty.out.join('')).toBe('\x1b[1;32HBB:BB:BB\x1b[0m');
      // a frame that leaves the first row alone does not redraw the clock
      tty.out = [];
      w.write(erase(3) + `${'status'.padEnd(40)}\nbody 2\n`);
      expect(tty.out.join('')).not.toContain('BB:BB:BB');
      w.dispose();
      tty.out = [];
      t = 'CC:CC:CC';
      vi.advanceTimersByTime(3000);
      expect(tty.out).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
