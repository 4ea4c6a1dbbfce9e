/**
 * Replay pacing by event time.
 *
 * The pipeline calls `pace(ev.ts)` for every decoded event before handing it to the engine and awaits
 * the promise when one is returned (ARCH.md "Replay pacing hook"). The pacer keeps a virtual replay
 * clock that advances `speed` ms of event time per wall ms; an event is released once the clock has
 * reached its time. Events are never reordered: one that is older than the clock goes through at once.
 *
 * Control API (what the screen maps keys to; all idempotent, safe at any time, also after the end):
 *   pause() / resume() / togglePause()   space: the clock stops; ingest stops after the current event
 *   setSpeed(n | 'max')                   clamped to 0.1–10000; 'max' (or Infinity) does not wait at all
 *   faster() / slower()                   `+` / `-`: double / halve (10000 → max → … ; max → 10000)
 *   jump(ms = 60_000)                     `]`: move the clock a minute of event time ahead
 *   status(): ReplayStatus                { clock, speed (Infinity = max), paused, bytesRead, bytesTotal,
 *                                          progress (0..1), finished (= done), skippedMs }; the same object
 *                                          until something changes
 *   subscribe(fn): unsubscribe            fn() after any control change, progress step, notice or the end
 * The replay source feeds `progress()` and `finish()`; `close()` releases a waiting pipeline on quit.
 *
 * Idle stretches that would keep the screen still for more than IDLE_LIMIT_WALL_MS at the current speed
 * are shortened to IDLE_KEEP_WALL_MS and announced through `onNotice` ("skipped 2h 13m of silence").
 * Alerts and counts depend on event time only (windows run on event time), so the result at any speed
 * equals the result at full speed: pacing only decides *when* an event is delivered, never *whether*.
 */

/** Wall-clock and timer functions, injected so tests drive the pacer with fake timers. */
export interface PacerClock {
  /** monotonic milliseconds */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type Speed = number | 'max';

export interface ReplayStatus {
  /** event time (ms since the epoch) of the latest event delivered or the clock after a jump; NaN before the first */
  clock: number;
  /** speed factor; Infinity for max (a number, so the status bar can format and compare it directly) */
  speed: number;
  paused: boolean;
  /** bytes of the files on disk read so far and in total (compressed size for .gz) */
  bytesRead: number;
  bytesTotal: number;
  /** bytesRead / bytesTotal in 0..1, NaN while unknown: the status bar's progress bar */
  progress: number;
  /** the replay has reached the end of its input ("replay finished") */
  finished: boolean;
  /** the same as `finished`, under the name the screen's store reads */
  done: boolean;
  /** event time skipped by shortening idle stretches, in ms */
  skippedMs: number;
}

export interface PacerOptions {
  speed: Speed;
  clock?: PacerClock;
  /** told about shortened silences and jumps, e.g. wired to engine.notice('replay', message) */
  onNotice?: (message: string) => void;
}

export const MIN_SPEED = 0.1;
export const MAX_SPEED = 10_000;

/**
 * A stretch of silence is shortened when it would hold the replay still for longer than this: a few
 * seconds is long enough to notice a lull, longer just looks like the tool hung.
 */
export const IDLE_LIMIT_WALL_MS = 3_000;
/** What is left of a shortened silence: a visible pause so the operator sees there was a lull. */
export const IDLE_KEEP_WALL_MS = 1_000;
/**
 * Waits shorter than this are not worth a timer: setTimeout resolves at ~1 ms at best and costs far more
 * than delivering an event a couple of milliseconds early, which nobody can see.
 */
export const MIN_WAIT_WALL_MS = 2;
/**
 * When the pipeline cannot keep up (a dense stretch at high speed, a stalled event loop) the clock would
 * run ahead of the events and the replay would later race through a sparse stretch to catch up. The
 * clock is kept at most this far (in wall time) ahead of the last delivered event instead.
 */
export const MAX_LAG_WALL_MS = 1_000;
/**
 * An event this much older than the latest one is not disorder but the log's time jumping back (a node
 * clock corrected, logs of two runs concatenated). Pacing restarts from it instead of rushing through
 * everything until the clock is reached again. Normal disorder (stages finishing out of order, batched
 * writes) stays within seconds.
 */
export const BACKWARDS_RESYNC_MS = 60_000;
/** `]` jumps this much event time ahead (issue 6: "a minute"). */
export const JUMP_MS = 60_000;

const SYSTEM_CLOCK: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Clamp a numeric speed into the supported range; 'max' stays 'max'. */
export function clampSpeed(s: Speed): Speed {
  if (s === 'max') return s;
  if (!Number.isFinite(s)) return 'max';
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, s));
}

/** "2h 13m", "5m 3s", "42s", "1d 4h": the two largest units, for notices and the status bar. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return sec > 0 ? `${m}m ${sec}s` : `${m}m`;
  return `${sec}s`;
}

interface Waiter {
  ts: number;
  resolve: () => void;
}

export class Pacer {
  private speed: Speed;
  private readonly clk: PacerClock;
  private readonly onNotice: ((message: string) => void) | undefined;

  // The virtual clock: vc(now) = anchorTs + (now - anchorWall) * speed while running, frozenTs while paused.
  private anchored = false;
  private anchorTs = 0;
  private anchorWall = 0;
  private paused = false;
  private frozenTs = Number.NaN;

  private lastTs = Number.NaN;
  private bytesRead = 0;
  private bytesTotal = 0;
  private finished = false;
  private closed = false;
  private skippedMs = 0;
  /** where the last jump() moved the clock; events before it are delivered without lag correction */
  private jumpedTo = -Infinity;

  private waiter: Waiter | null = null;
  private timer: unknown = null;
  private listeners = new Set<() => void>();
  private snapshot: ReplayStatus | null = null;

  constructor(opts: PacerOptions) {
    this.speed = clampSpeed(opts.speed);
    this.clk = opts.clock ?? SYSTEM_CLOCK;
    this.onNotice = opts.onNotice;
  }

  /**
   * Called by the pipeline for each event, in order. Returns undefined when the event may be delivered
   * now (the common case, allocation-free), else a promise that resolves when it is due.
   */
  pace(ts: number): Promise<void> | undefined {
    if (this.closed || Number.isNaN(ts)) return undefined;
    if (!this.anchored) {
      // The first event starts the clock; nothing before it to wait for.
      this.anchored = true;
      this.anchorTs = ts;
      this.anchorWall = this.clk.now();
      this.frozenTs = ts;
      this.deliver(ts);
      return undefined;
    }
    if (ts < this.lastTs - BACKWARDS_RESYNC_MS) {
      // Time went back (see BACKWARDS_RESYNC_MS): restart the clock at this event.
      if (this.speed !== 'max') this.onNotice?.(`event time went back ${formatDuration(this.lastTs - ts)}; pacing from there`);
      this.anchorTs = ts;
      this.anchorWall = this.clk.now();
      if (this.paused) this.frozenTs = ts;
      this.lastTs = ts;
      this.jumpedTo = -Infinity;
      this.changed();
      return undefined;
    }
    if (this.paused) {
      if (ts <= this.frozenTs) return this.deliver(ts);
      return this.wait(ts);
    }
    if (this.speed === 'max') return this.deliver(ts);
    const now = this.clk.now();
    const speed = this.speed;
    const vc = this.anchorTs + (now - this.anchorWall) * speed;
    if (ts <= vc + MIN_WAIT_WALL_MS * speed) {
      // Behind schedule: keep the clock within MAX_LAG_WALL_MS of the events (see MAX_LAG_WALL_MS).
      const maxAhead = MAX_LAG_WALL_MS * speed;
      // (Not while catching up with a jump: those events are meant to go through at once.)
      if (vc - ts > maxAhead && ts >= this.lastTsOr(ts) && ts >= this.jumpedTo) {
        this.anchorTs = ts + maxAhead;
        this.anchorWall = now;
      }
      return this.deliver(ts);
    }
    return this.wait(ts);
  }

  status(): ReplayStatus {
    // A stable object until something changes, so a UI store can compare snapshots by identity.
    if (this.snapshot === null) {
      this.snapshot = {
        // while paused after a jump the clock shows where the jump landed, even before an event arrives there
        clock: this.paused && !(this.frozenTs <= this.lastTs) ? this.frozenTs : this.lastTs,
        speed: this.speed === 'max' ? Infinity : this.speed,
        paused: this.paused,
        bytesRead: this.bytesRead,
        bytesTotal: this.bytesTotal,
        progress: this.bytesTotal > 0 ? Math.min(1, this.bytesRead / this.bytesTotal) : this.finished ? 1 : Number.NaN,
        finished: this.finished,
        done: this.finished,
        skippedMs: this.skippedMs,
      };
    }
    return this.snapshot;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  pause(): void {
    if (this.paused) return;
    if (this.anchored) this.frozenTs = this.vcNow();
    this.paused = true;
    this.clearTimer();
    this.changed();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // Restart the clock where it was frozen; the pause is not counted as elapsed event time.
    this.anchorTs = this.frozenTs;
    this.anchorWall = this.clk.now();
    this.changed();
    this.reschedule();
  }

  togglePause(): void {
    if (this.paused) this.resume();
    else this.pause();
  }

  setSpeed(s: Speed): void {
    const next = clampSpeed(s);
    if (next === this.speed) return;
    if (this.anchored && !this.paused) {
      // Re-anchor at the current clock so the change takes effect from now, without a jump.
      this.anchorTs = this.vcNow();
      this.anchorWall = this.clk.now();
    }
    this.speed = next;
    this.changed();
    this.reschedule();
  }

  faster(): void {
    if (this.speed === 'max') return;
    this.setSpeed(this.speed >= MAX_SPEED ? 'max' : this.speed * 2);
  }

  slower(): void {
    this.setSpeed(this.speed === 'max' ? MAX_SPEED : this.speed / 2);
  }

  /** Move the clock `ms` of event time ahead: events up to there are delivered at once (also while paused). */
  jump(ms: number = JUMP_MS): void {
    if (!this.anchored || this.finished || !(ms > 0)) return;
    const target = this.vcNow() + ms;
    this.jumpedTo = target;
    if (this.paused) this.frozenTs = target;
    else if (this.speed !== 'max') {
      this.anchorTs = target;
      this.anchorWall = this.clk.now();
    } else return; // at full speed there is nothing to jump over
    this.onNotice?.(`jumped ahead ${formatDuration(ms)}`);
    this.changed();
    this.reschedule();
  }

  /** Replay progress over all input files, in bytes on disk. */
  progress(bytesRead: number, bytesTotal: number): void {
    if (bytesRead === this.bytesRead && bytesTotal === this.bytesTotal) return;
    this.bytesRead = bytesRead;
    this.bytesTotal = bytesTotal;
    this.changed();
  }

  /** The input has ended: the screen shows "replay finished". */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.bytesTotal > 0) this.bytesRead = this.bytesTotal;
    this.changed();
  }

  /** Stop pacing for good (quit): a pending wait resolves now and later events are not held. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }

  /** close() was called: the replay is being stopped. */
  isClosed(): boolean {
    return this.closed;
  }

  /** The virtual clock now (event time ms). At full speed it is the latest delivered event. */
  private vcNow(): number {
    if (!this.anchored) return Number.NaN;
    if (this.paused) return this.frozenTs;
    if (this.speed === 'max') return this.lastTsOr(this.anchorTs);
    return this.anchorTs + (this.clk.now() - this.anchorWall) * this.speed;
  }

  private lastTsOr(fallback: number): number {
    return Number.isNaN(this.lastTs) ? fallback : this.lastTs;
  }

  private deliver(ts: number): undefined {
    if (!(ts <= this.lastTs)) {
      this.lastTs = ts;
      this.snapshot = null; // no notification per event: the screen redraws on the engine's version
    }
    return undefined;
  }

  private wait(ts: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiter = { ts, resolve };
      this.reschedule();
    });
  }

  /** (Re)arm the timer for the pending event after any change of clock, speed or pause. */
  private reschedule(): void {
    this.clearTimer();
    const w = this.waiter;
    if (w === null) return;
    let due: boolean;
    let wallWait = 0;
    if (this.paused) due = w.ts <= this.frozenTs;
    else if (this.speed === 'max') due = true;
    else {
      const speed = this.speed;
      const vc = this.vcNow();
      wallWait = (w.ts - vc) / speed;
      if (wallWait > IDLE_LIMIT_WALL_MS) {
        // A lull: move the clock over most of it and say so (see IDLE_LIMIT_WALL_MS).
        const silence = w.ts - vc;
        const skipped = silence - IDLE_KEEP_WALL_MS * speed;
        this.anchorTs += skipped;
        this.skippedMs += skipped;
        wallWait = IDLE_KEEP_WALL_MS;
        this.changed();
        this.onNotice?.(`skipped ${formatDuration(silence)} of silence`);
      }
      due = wallWait < MIN_WAIT_WALL_MS;
    }
    if (due) {
      this.waiter = null;
      this.deliver(w.ts);
      w.resolve();
      return;
    }
    if (this.paused) return; // resume() or jump() reschedules
    this.timer = this.clk.setTimeout(() => {
      this.timer = null;
      this.reschedule();
    }, Math.ceil(wallWait));
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.clk.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private changed(): void {
    this.snapshot = null;
    for (const fn of this.listeners) fn();
  }
}

/** Create a pacer (see the control API at the top of this file). */
export function createPacer(opts: PacerOptions): Pacer {
  return new Pacer(opts);
}
