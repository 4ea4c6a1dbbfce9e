import type { AuditEvent } from '../model/event.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One alert occurrence (SPEC §3 `--print alerts` fields, plus what the screen needs). */
export interface Alert {
  /** event time string of the event that raised it (as written in the log) */
  ts: string;
  /** event time in ms since the epoch (NaN when unknown) */
  tsMs: number;
  rule: string;
  severity: Severity;
  title: string;
  /** human sentence naming who did what to which object, already free of control characters */
  message: string;
  auditID: string;
  user: string;
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  sourceIP: string;
  code: number;
  /** rule + key: the screen groups repeats with the same group key within a window into one row */
  groupKey: string;
}

/** What the engine tells a detector about the request an event belongs to. */
export interface RequestContext {
  /** true for the first stage of this auditID the engine has seen */
  firstStage: boolean;
  /** true when this stage ends the request (ResponseComplete or Panic) */
  finalStage: boolean;
}

/** A loss of log data the follower could prove (SPEC §5 "gaps in the log itself"). */
export interface GapInfo {
  /** when it was noticed, ms since the epoch (wall clock in follow mode, event time in replay) */
  ts: number;
  source: string;
  kind: 'truncated' | 'rotated-unread' | 'time-backwards' | 'other';
  /** one line for the status bar and the alert message */
  message: string;
  /** bytes known to be lost, when known */
  bytes?: number;
}

/**
 * The detection engine as the model sees it. `evaluate` is called once per event line in input
 * order, after stage merging; it must not throw and returns the alerts that event raised (usually none).
 */
export interface Detector {
  evaluate(ev: AuditEvent, ctx: RequestContext): Alert[];
  gap(g: GapInfo): Alert[];
}

/** A detector that raises nothing (rules disabled). */
export const NO_DETECTOR: Detector = {
  evaluate: () => [],
  gap: () => [],
};
