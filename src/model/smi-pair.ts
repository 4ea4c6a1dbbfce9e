/**
 * Numbers of buffered events kept as small integers (V8 "Smis") instead of doubles.
 *
 * Why: V8 keeps a double-valued field of an object as a pointer to a separate 16-byte HeapNumber.
 * Event times (~1.7e12 ms) and latencies (fractions of a ms) are such doubles, so each buffered event
 * carried three extra heap objects, each copied by every scavenge it survived. Measured: 500k objects
 * with 3 double fields took 113 B and 174 ms to build against 88 B and 80 ms with the values split
 * into pairs of small integers. The getters put the exact value back together.
 *
 * A value is split as hi·2^30 + lo (lo in [0, 2^30)), exact for any integer below 2^53 in magnitude.
 * Anything else (NaN aside: a marker) is kept in a rarely used side array, so every value reads back
 * exactly what was stored.
 */
export const SPLIT = 1073741824; // 2^30
/** hi marking NaN (never a real hi: integers below 2^53 give |hi| < 2^23) */
export const NAN_HI = SPLIT - 1;
/** hi marking a value kept in the side array */
export const SIDE_HI = SPLIT - 2;
const MAX_EXACT = 2 ** 52;

/** The hi part of integer `v`, or NAN_HI / SIDE_HI. */
export function hiOf(v: number): number {
  if (v !== v) return NAN_HI;
  if (!Number.isInteger(v) || v >= MAX_EXACT || v <= -MAX_EXACT || Object.is(v, -0)) return SIDE_HI;
  return Math.floor(v / SPLIT) | 0;
}

/** The lo part of `v` when hiOf(v) is a real hi (0 otherwise). */
export function loOf(v: number, hi: number): number {
  return hi === NAN_HI || hi === SIDE_HI ? 0 : (v - hi * SPLIT) | 0;
}

/**
 * `ts`, `receivedTs` and `latencyMs` of an AuditEvent as accessors over pairs of small integers
 * (latencyMs in whole µs). Being accessors, they are left out by `{...ev}` and JSON.stringify(ev).
 */
export class SplitTimes {
  private tsHi = NAN_HI;
  private tsLo = 0;
  private rxHi = NAN_HI;
  private rxLo = 0;
  private latHi = -1;
  private latLo = SPLIT - 1000; // -1 ms
  /** values that do not split (rare): [ts, receivedTs, latencyMs] */
  private side: number[] | null = null;

  get ts(): number {
    const h = this.tsHi;
    return h < SIDE_HI ? h * SPLIT + this.tsLo : h === NAN_HI ? NaN : (this.side as number[])[0] as number;
  }
  set ts(v: number) {
    const h = hiOf(v);
    this.tsHi = h;
    this.tsLo = loOf(v, h);
    if (h === SIDE_HI) this.sideSet(0, v);
  }

  get receivedTs(): number {
    const h = this.rxHi;
    return h < SIDE_HI ? h * SPLIT + this.rxLo : h === NAN_HI ? NaN : (this.side as number[])[1] as number;
  }
  set receivedTs(v: number) {
    const h = hiOf(v);
    this.rxHi = h;
    this.rxLo = loOf(v, h);
    if (h === SIDE_HI) this.sideSet(1, v);
  }

  get latencyMs(): number {
    const h = this.latHi;
    return h < SIDE_HI ? (h * SPLIT + this.latLo) / 1000 : h === NAN_HI ? NaN : (this.side as number[])[2] as number;
  }
  set latencyMs(v: number) {
    // normalise rounds latencies to whole µs: kept as an integer count of them when that is exact
    const us = Math.round(v * 1000);
    let h = hiOf(us);
    if (h !== NAN_HI && us / 1000 !== v) h = SIDE_HI;
    this.latHi = h;
    this.latLo = loOf(us, h);
    if (h === SIDE_HI) this.sideSet(2, v);
  }

  private sideSet(i: number, v: number): void {
    if (this.side === null) this.side = [0, 0, 0];
    this.side[i] = v;
  }
}
