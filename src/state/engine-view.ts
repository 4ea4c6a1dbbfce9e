/**
 * The part of the Engine (src/model/engine.ts, ARCH.md) the screen's store reads. Kept structural so
 * the store is tested against a small fake, and so the store cannot start depending on engine
 * internals the contract does not promise. The real Engine satisfies it as is.
 */
import type { Alert } from '../detect/types.js';
import type { AuditEvent } from '../model/event.js';
import type { Counts, Dimension, MalformedLine, RequestRow, TopEntry, Window } from '../model/types.js';

export interface EngineListener {
  onEvent?(ev: AuditEvent, row: RequestRow): void;
  onAlert?(a: Alert): void;
  onNotice?(source: string, message: string): void;
}

/** Ring<T> as ARCH.md describes it: `at(0)` is the oldest item. */
export interface RingView<T> {
  readonly size: number;
  readonly capacity: number;
  at(i: number): T | undefined;
  readonly lastSeq: number;
}

export interface EngineView {
  subscribe(l: EngineListener): () => void;
  readonly counts: Counts;
  readonly version: number;
  readonly rows: RingView<RequestRow>;
  readonly alerts: RingView<Alert>;
  recentMalformed(): MalformedLine[];
  top(dim: Dimension, window: Window, n?: number): TopEntry[];
  rate(seconds: number): number[];
  nowTs(): number;
}
