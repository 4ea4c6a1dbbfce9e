/**
 * Events per second of event time, for the last RATE_SECONDS seconds: a fixed array of per-second
 * slots indexed by second modulo the span, each stamped with the second it holds, so memory is
 * constant and stale slots read as 0.
 */

/** An hour of history: enough for any sparkline width, 2 × 3600 numbers of memory. */
export const RATE_SECONDS = 3600;

export class RateSeries {
  private readonly counts = new Float64Array(RATE_SECONDS);
  private readonly stamps = new Float64Array(RATE_SECONDS).fill(-1);
  private nowSec = -Infinity;

  add(ts: number, n = 1): void {
    const sec = Math.floor(ts / 1000);
    if (!Number.isFinite(sec)) return;
    if (sec > this.nowSec) this.nowSec = sec;
    if (sec <= this.nowSec - RATE_SECONDS) return; // older than the history we keep
    const i = mod(sec, RATE_SECONDS);
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.counts[i] = 0;
    }
    this.counts[i] = (this.counts[i] as number) + n;
  }

  /** counts for the `seconds` seconds ending with the latest second seen, oldest first */
  series(seconds: number): number[] {
    const k = Math.max(0, Math.min(Math.floor(seconds), RATE_SECONDS));
    const out = new Array<number>(k).fill(0);
    if (!Number.isFinite(this.nowSec)) return out;
    for (let j = 0; j < k; j++) {
      const sec = this.nowSec - (k - 1 - j);
      const i = mod(sec, RATE_SECONDS);
      if (this.stamps[i] === sec) out[j] = this.counts[i] as number;
    }
    return out;
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
