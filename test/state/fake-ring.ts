import type { AuditEvent } from '../../src/model/event.js';
import type { RequestRow } from '../../src/model/types.js';
import { makeRow } from '../model/make-event.js';

/** A bounded ring of rows with contiguous seqs, like the Engine's (0 = oldest). */
export class FakeRing {
  private items: RequestRow[] = [];
  private nextSeq = 0;
  constructor(readonly capacity = Infinity) {}
  get size(): number {
    return this.items.length;
  }
  at(i: number): RequestRow | undefined {
    return this.items[i];
  }
  push(p: Partial<AuditEvent> = {}): RequestRow {
    const row = makeRow(this.nextSeq++, p);
    this.items.push(row);
    if (this.items.length > this.capacity) this.items.shift();
    return row;
  }
}

/** A manual scheduler: slices run only when the test drains the queue. */
export class ManualScheduler {
  queue: (() => void)[] = [];
  schedule = (fn: () => void): void => {
    this.queue.push(fn);
  };
  /** run one queued slice; false when none was queued */
  step(): boolean {
    const fn = this.queue.shift();
    if (!fn) return false;
    fn();
    return true;
  }
  drain(max = 100_000): number {
    let n = 0;
    while (n < max && this.step()) n++;
    return n;
  }
}
