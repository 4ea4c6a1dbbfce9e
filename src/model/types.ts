import type { Alert, GapInfo, Severity } from '../detect/types.js';
import type { AuditEvent } from './event.js';

/** One request in the ring: the stages of one auditID merged (SPEC §2). */
export interface RequestRow {
  /** monotonic sequence number of the ring slot (assigned when the request is first seen) */
  seq: number;
  /** bumped each time a later stage updates the row, so the UI can tell the row changed */
  rev: number;
  auditID: string;
  /**
   * the most complete stage seen so far (ResponseComplete/Panic beat ResponseStarted beat
   * RequestReceived). A stored copy: its `raw` is decoded from an off-heap store on each read
   * (keep the string if you need it often); `ts`, `receivedTs` and `latencyMs` are accessors too, so
   * `{...ev}` / JSON.stringify(ev) leave those four out.
   */
  ev: AuditEvent;
  /** stage names seen, in arrival order */
  stages: string[];
  /** no ResponseComplete or Panic yet (watch, exec, port-forward stay open) */
  open: boolean;
  /** highest severity of the alerts this request raised, '' when none */
  alert: Severity | '';
  /** bytes of raw JSON this row holds (counted against --buffer-bytes) */
  bytes: number;
}

export const DIMENSIONS = ['users', 'verbs', 'resources', 'namespaces', 'sourceIPs', 'userAgents', 'codes'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const WINDOWS = ['1m', '5m', '1h', 'all'] as const;
export type Window = (typeof WINDOWS)[number];

export interface TopEntry {
  key: string;
  count: number;
}

export interface Counts {
  /** event lines (and EventList items) decoded */
  events: number;
  /** distinct requests (auditIDs) */
  requests: number;
  malformed: number;
  skippedLong: number;
  /** provable data losses reported by the follower */
  gaps: number;
}

/** A malformed line kept for display (the last few only). */
export interface MalformedLine {
  source: string;
  /** why it was rejected, e.g. "invalid JSON", "not an audit event" */
  reason: string;
  /** the first ~200 characters of the line, as written (sanitise before display) */
  excerpt: string;
}

/** SPEC §3 `--print summary`. */
export interface Summary {
  events: number;
  requests: number;
  malformed: number;
  skippedLong: number;
  gaps: number;
  first: string | null;
  last: string | null;
  top: Record<Dimension, TopEntry[]>;
  alerts: Record<string, number>;
}

export type { Alert, GapInfo };
