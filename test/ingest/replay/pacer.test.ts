import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_KEEP_WALL_MS, createPacer, formatDuration, type Pacer, type PacerClock } from '../../../src/ingest/replay/pacer.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');

/** Timers and clock of vitest's fake timers, injected the way the app injects the real ones. */
const fakeClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Plays event times through the pacer the way the pipeline does (await when a promise comes back) and
 * records the wall time (ms since start) each event was delivered at.
 */
function play(pacer: Pacer, times: number[]): { delivered: number[]; done: Promise<void> } {
  const start = Date.now();
  const delivered: number[] = [];
  const done = (async () => {
    for (const ts of times) {
      const p = pacer.pace(ts);
      if (p) await p;
      delivered.push(Date.now() - start);
    }
  })();
  return { delivered, done };
}

describe('pacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plays N seconds of event time per wall second', async () => {
    const pacer = createPacer({ speed: 10, clock: fakeClock });
    const times = [0, 1_000, 2_000, 10_000, 20_000].map((s) => T0 + s);
    const { delivered, done } = play(pacer, times);
    await vi.runAllTimersAsync();
    await done;
    // at 10x, 1 s of event time takes 100 ms
    expect(delivered.map((d) => Math.round(d / 10) * 10)).toEqual([0, 100, 200, 1_000, 2_000]);
    expect(pacer.status().clock).toBe(T0 + 20_000);
  });

  it('does not wait at max speed', () => {
    const pacer = createPacer({ speed: 'max', clock: fakeClock });
    for (const s of [0, 3_600, 7_200]) expect(pacer.pace(T0 + s * 1_000)).toBeUndefined();
    expect(pacer.status().clock).toBe(T0 + 7_200_000);
  });

  it('delivers older events at once and never moves the clock back', async () => {
    const pacer = createPacer({ speed: 1, clock: fakeClock });
    const { delivered, done } = play(pacer, [T0, T0 + 500, T0 + 200, T0 + 1_000]);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([0, 500, 500, 1_000]);
    expect(pacer.status().clock).toBe(T0 + 1_000);
  });

  it('restarts pacing where the log’s time jumps back, instead of rushing to catch up', async () => {
    const notices: string[] = [];
    const pacer = createPacer({ speed: 1, clock: fakeClock, onNotice: (m) => notices.push(m) });
    const back = T0 - 3_600_000;
    const { delivered, done } = play(pacer, [T0, T0 + 1_000, back, back + 1_000, back + 2_000]);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([0, 1_000, 1_000, 2_000, 3_000]);
    expect(notices).toEqual(['event time went back 1h; pacing from there']);
    expect(pacer.status().clock).toBe(back + 2_000);
  });

  it('shortens long silences and says how much it skipped', async () => {
    const notices: string[] = [];
    const pacer = createPacer({ speed: 10, clock: fakeClock, onNotice: (m) => notices.push(m) });
    const lull = (2 * 3600 + 13 * 60) * 1_000; // 2h 13m of event time: 13 min 18 s of wall time at 10x
    const { delivered, done } = play(pacer, [T0, T0 + 1_000, T0 + 1_000 + lull, T0 + 2_000 + lull]);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered[2]! - delivered[1]!).toBe(IDLE_KEEP_WALL_MS);
    // after the lull the pace is normal again: 1 s of event time = 100 ms
    expect(delivered[3]! - delivered[2]!).toBe(100);
    expect(notices).toEqual(['skipped 2h 13m of silence']);
    expect(pacer.status().skippedMs).toBe(lull - IDLE_KEEP_WALL_MS * 10);
  });

  it('keeps pauses shorter than the idle limit', async () => {
    const notices: string[] = [];
    const pacer = createPacer({ speed: 10, clock: fakeClock, onNotice: (m) => notices.push(m) });
    const { delivered, done } = play(pacer, [T0, T0 + 25_000]);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([0, 2_500]);
    expect(notices).toEqual([]);
  });

  it('changes speed from the current clock without a jump', async () => {
    const pacer = createPacer({ speed: 1, clock: fakeClock });
    const { delivered, done } = play(pacer, [T0, T0 + 2_000, T0 + 3_000]);
    await vi.advanceTimersByTimeAsync(1_000); // clock now at T0+1s, waiting for T0+2s
    pacer.faster(); // 2x: the remaining 1 s of event time takes 500 ms
    expect(pacer.status().speed).toBe(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(delivered).toEqual([0, 1_500]);
    pacer.slower();
    pacer.slower(); // 0.5x: 1 s of event time takes 2 s
    expect(pacer.status().speed).toBe(0.5);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([0, 1_500, 3_500]);
  });

  it('clamps speeds and steps between 10000 and max', () => {
    const pacer = createPacer({ speed: 5_000, clock: fakeClock });
    pacer.faster();
    expect(pacer.status().speed).toBe(10_000);
    pacer.faster();
    expect(pacer.status().speed).toBe(Infinity);
    pacer.faster();
    expect(pacer.status().speed).toBe(Infinity);
    pacer.slower();
    expect(pacer.status().speed).toBe(10_000);
    pacer.setSpeed(Infinity); // the screen's store writes max as Infinity
    expect(pacer.status().speed).toBe(Infinity);
    pacer.setSpeed(0.01);
    expect(pacer.status().speed).toBe(0.1);
    pacer.slower();
    expect(pacer.status().speed).toBe(0.1);
  });

  it('pauses and resumes without counting the pause as event time', async () => {
    const pacer = createPacer({ speed: 1, clock: fakeClock });
    const { delivered, done } = play(pacer, [T0, T0 + 1_000, T0 + 2_000]);
    await vi.advanceTimersByTimeAsync(1_200);
    expect(delivered).toEqual([0, 1_000]);
    pacer.togglePause();
    expect(pacer.status().paused).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(delivered).toEqual([0, 1_000]); // nothing while paused
    pacer.togglePause();
    await vi.runAllTimersAsync();
    await done;
    // paused at 1.2 s: 800 ms of event time were left, played after the resume at 61.2 s
    expect(delivered).toEqual([0, 1_000, 62_000]);
  });

  it('pauses at max speed too', async () => {
    const pacer = createPacer({ speed: 'max', clock: fakeClock });
    expect(pacer.pace(T0)).toBeUndefined();
    pacer.pause();
    const p = pacer.pace(T0 + 1);
    expect(p).toBeInstanceOf(Promise);
    let released = false;
    void p!.then(() => (released = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(released).toBe(false);
    pacer.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toBe(true);
  });

  it('jumps a minute of event time ahead, also while paused', async () => {
    const notices: string[] = [];
    const pacer = createPacer({ speed: 10, clock: fakeClock, onNotice: (m) => notices.push(m) });
    const { delivered, done } = play(pacer, [T0, T0 + 20_000, T0 + 59_000, T0 + 62_000]);
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered).toEqual([0]);
    pacer.pause();
    pacer.jump();
    await vi.advanceTimersByTimeAsync(0);
    // the minute ahead is delivered at once even though the replay stays paused
    expect(delivered).toEqual([0, 0, 0]);
    expect(pacer.status().clock).toBe(T0 + 60_000);
    expect(notices).toEqual(['jumped ahead 1m']);
    pacer.resume();
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([0, 0, 0, 200]);
  });

  it('does not race to catch up after the pipeline fell behind', async () => {
    const pacer = createPacer({ speed: 1, clock: fakeClock });
    expect(pacer.pace(T0)).toBeUndefined();
    // the consumer was busy for 5 s of wall time (a dense stretch, a stalled loop)
    vi.advanceTimersByTime(5_000);
    expect(pacer.pace(T0 + 100)).toBeUndefined();
    // the clock was pulled back to 1 s ahead of that event, so 3 s later is 2 s away, not due already
    const { delivered, done } = play(pacer, [T0 + 3_100]);
    await vi.runAllTimersAsync();
    await done;
    expect(delivered).toEqual([2_000]);
  });

  it('jumps a minute ahead while playing: that minute goes through at once, then the pace resumes', async () => {
    const pacer = createPacer({ speed: 1, clock: fakeClock });
    const times = [0, 1, 2, 3, 10, 20, 30, 40, 50, 60, 61, 62, 64].map((s) => T0 + s * 1_000);
    const { delivered, done } = play(pacer, times);
    await vi.advanceTimersByTimeAsync(2_500); // playing at 1x: 0, 1, 2 delivered, waiting for 3
    expect(delivered).toEqual([0, 1_000, 2_000]);
    pacer.jump(); // clock 2.5 s -> 62.5 s
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered.slice(3)).toEqual(Array(9).fill(2_500));
    await vi.runAllTimersAsync();
    await done;
    expect(delivered.at(-1)).toBe(4_000); // 64 s is 1.5 s after the clock landed at 62.5 s
  });

  it('reports progress and the end, notifying subscribers with stable snapshots', () => {
    const pacer = createPacer({ speed: 10, clock: fakeClock });
    let calls = 0;
    const off = pacer.subscribe(() => calls++);
    const a = pacer.status();
    expect(pacer.status()).toBe(a);
    pacer.progress(100, 1_000);
    expect(pacer.status()).not.toBe(a);
    expect(pacer.status()).toMatchObject({ bytesRead: 100, bytesTotal: 1_000, progress: 0.1, finished: false });
    pacer.finish();
    expect(pacer.status()).toMatchObject({ bytesRead: 1_000, progress: 1, finished: true, done: true });
    expect(calls).toBe(2);
    off();
    pacer.pause();
    expect(calls).toBe(2);
  });

  it('close releases a waiting pipeline', async () => {
    const pacer = createPacer({ speed: 0.1, clock: fakeClock });
    pacer.pace(T0);
    const p = pacer.pace(T0 + 100);
    let released = false;
    void p!.then(() => (released = true));
    pacer.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toBe(true);
    expect(pacer.pace(T0 + 10_000_000)).toBeUndefined();
  });

  it('formats durations with the two largest units', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(303_000)).toBe('5m 3s');
    expect(formatDuration(7_980_000)).toBe('2h 13m');
    expect(formatDuration(100_800_000)).toBe('1d 4h');
  });
});
