import type { AuditEvent } from '../model/event.js';
import type { Lists } from './lists.js';
import type { StateFactory } from './state.js';
import type { Severity } from './types.js';

/**
 * Which stage of a request a rule looks at (one request can be logged at up to four stages):
 * - 'response': any stage that carries the outcome (responseStatus): ResponseStarted,
 *   ResponseComplete, Panic. The engine dedupes by auditID, so a rule fires once per request.
 * - 'final': only the stage that ends the request (ResponseComplete or Panic): counting rules use it
 *   so each request counts once.
 * - 'any': every stage, RequestReceived included (rules that do not depend on the outcome).
 */
export type StageGate = 'response' | 'final' | 'any';

/** How the actor of a request is classified (SPEC §5). */
export type IdentityKind = 'control-plane' | 'serviceaccount' | 'person' | 'anonymous' | 'system' | 'unknown';

/** What a rule's matcher returns when it fires. */
export interface RuleHit {
  /** a full sentence: who did what to which object (cleaned and clipped by the engine) */
  message: string;
  /** a short phrase used when several rules of one family fire on the same request */
  detail?: string;
  /** grouping key for the screen (rule + key); default: the acting user */
  key?: string;
  /** override of the rule's severity for this hit (e.g. impersonating a superuser is critical) */
  severity?: Severity;
}

/** Per-event helpers the engine hands to rules (computed lazily, shared by the rules of one event). */
export interface EvalCtx {
  /** identity class of the acting user (impersonation: the stronger of the two is not taken; see actorIsControlPlane) */
  readonly kind: IdentityKind;
  /** true when the request runs as the control plane: the user is control plane and so is any impersonated user */
  readonly controlPlane: boolean;
  /** the identity the request is authorised as: impersonatedUser when set, else user */
  readonly effectiveUser: string;
  /** "alice" or "alice (as system:admin)" for messages */
  readonly who: string;
  /** event time in ms used for windows: ev.ts, or the last valid time when this event has none */
  readonly now: number;
  /** the request object (pod spec, role rules, binding…), parsed once per event on first use; undefined without one */
  requestObject(): unknown;
  /** tell the engine a body rule met an event without a request body (see no-request-bodies) */
  missingBody(ruleId: string): void;
  /** true when the event carries a request body; otherwise reports `missingBody(ruleId)` and is false */
  hasBody(ruleId: string): boolean;
  classify(user: string): IdentityKind;
}

export type Matcher = (ev: AuditEvent, x: EvalCtx) => RuleHit | null;

/** What a rule gets when the detector is built. */
export interface RuleEnv {
  lists: Lists;
  /** the rule's numeric parameters: defaults merged with rules-file overrides */
  params: Readonly<Record<string, number>>;
  /** the rule's keyed state: windows, distinct counts, cooldowns, maps — all bounded */
  state: StateFactory;
}

export interface RuleSpec {
  /** stable id (kebab-case): used in alerts, summaries and the rules file */
  id: string;
  severity: Severity;
  title: string;
  /** one or two sentences for the README and `--rules` users */
  description: string;
  /**
   * Rules of one family that fire on the same request give ONE alert: the first in pack order wins
   * and the others' details are appended. A `fallback` member (e.g. the generic rbac-change) only
   * fires when no other member of its family did.
   */
  family?: string;
  fallback?: boolean;
  /** dispatch: the verbs this rule can fire on (omit: any) */
  verbs?: readonly string[];
  /** dispatch: "resource" or "resource/subresource" this rule can fire on (omit: any) */
  resources?: readonly string[];
  stage: StageGate;
  /** tunable numbers (thresholds, windows) with their defaults; a rules file can override them */
  params?: Readonly<Record<string, number>>;
  /** names of the lists the rule reads (documentation) */
  lists?: readonly string[];
  /** build the matcher (and any state it keeps) for one detector */
  create(env: RuleEnv): Matcher;
}

export const MUTATING_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** The request was carried out (2xx/1xx; 0 = no status, treated as not known to have succeeded). */
export function succeeded(ev: AuditEvent): boolean {
  return ev.code > 0 && ev.code < 400;
}

/** "pods/exec prod/api-7c9d", "clusterrolebindings evil", "secrets prod/*" */
export function describeObject(ev: AuditEvent): string {
  const res = ev.subresource ? `${ev.resource}/${ev.subresource}` : ev.resource || ev.uri;
  const obj = ev.namespace && ev.name ? `${ev.namespace}/${ev.name}` : ev.name || (ev.namespace ? `in ${ev.namespace}` : '');
  return obj ? `${res} ${obj}` : res;
}
