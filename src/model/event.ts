/**
 * The normalised audit event: one flat record per event line (or EventList item).
 *
 * Every field is always present so V8 keeps one hidden class for all records; absent values are
 * '' for strings, 0 for `code` and -1 for `latencyMs`. A flat record of these fields costs ~390 B
 * against ~1,490 B for the parsed object, so the ring keeps this plus the raw line, never the parse.
 */
export interface AuditEvent {
  /** event time in ms since the epoch (SPEC §2: stageTimestamp, else requestReceivedTimestamp, else timestamp); NaN when none parses */
  ts: number;
  /** the event-time string exactly as written in the log ('' when absent) */
  time: string;
  /** requestReceivedTimestamp in ms, NaN when absent */
  receivedTs: number;
  auditID: string;
  stage: string;
  verb: string;
  user: string;
  groups: string[];
  impersonatedUser: string;
  impersonatedGroups: string[];
  /** first entry of sourceIPs */
  sourceIP: string;
  userAgent: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** responseStatus.code, 0 when absent */
  code: number;
  /** responseStatus.reason / message, trimmed ('' when absent) */
  reason: string;
  /** annotations["authorization.k8s.io/decision"] ('allow' | 'forbid' | '') */
  decision: string;
  uri: string;
  level: string;
  /** stageTimestamp − requestReceivedTimestamp in ms, -1 when unknown */
  latencyMs: number;
  /** the line carried a requestObject / responseObject (cut out before parsing; see parseBodies) */
  hasRequestObject: boolean;
  hasResponseObject: boolean;
  /** the event's JSON text: the line itself, or an EventList item re-serialised */
  raw: string;
  /** name of the source it came from (file path, "-" for stdin) */
  source: string;
}

/** The plain fields of an event: all but `time` and `raw`, which copies keep each their own way. */
export type EventFields = Omit<AuditEvent, 'time' | 'raw'>;

/**
 * Copy `from`'s plain fields onto `to`: the one field list for the classes that hold a copy of an
 * event (the buffered StoredEvent, the filter's rebuilt earlier stages).
 */
export function copyEventFields(to: EventFields, from: AuditEvent): void {
  to.ts = from.ts;
  to.receivedTs = from.receivedTs;
  to.auditID = from.auditID;
  to.stage = from.stage;
  to.verb = from.verb;
  to.user = from.user;
  to.groups = from.groups;
  to.impersonatedUser = from.impersonatedUser;
  to.impersonatedGroups = from.impersonatedGroups;
  to.sourceIP = from.sourceIP;
  to.userAgent = from.userAgent;
  to.apiGroup = from.apiGroup;
  to.apiVersion = from.apiVersion;
  to.resource = from.resource;
  to.subresource = from.subresource;
  to.namespace = from.namespace;
  to.name = from.name;
  to.code = from.code;
  to.reason = from.reason;
  to.decision = from.decision;
  to.uri = from.uri;
  to.level = from.level;
  to.latencyMs = from.latencyMs;
  to.hasRequestObject = from.hasRequestObject;
  to.hasResponseObject = from.hasResponseObject;
  to.source = from.source;
}

/** Request/response bodies of an event, parsed from `raw` on demand (rules on pods/RBAC, the inspector). */
export interface EventBodies {
  requestObject?: unknown;
  responseObject?: unknown;
}

export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

/** A stage after which no further stage of the same request arrives. */
export function isFinalStage(stage: string): boolean {
  return stage === 'ResponseComplete' || stage === 'Panic';
}

/** Parse the bodies of an event from its raw JSON. Never throws: a broken raw gives {}. */
export function parseBodies(ev: AuditEvent): EventBodies {
  if (!ev.hasRequestObject && !ev.hasResponseObject) return {};
  try {
    const o = JSON.parse(ev.raw) as Record<string, unknown>;
    if (o === null || typeof o !== 'object') return {};
    const out: EventBodies = {};
    if ('requestObject' in o) out.requestObject = o.requestObject;
    if ('responseObject' in o) out.responseObject = o.responseObject;
    return out;
  } catch {
    return {};
  }
}
