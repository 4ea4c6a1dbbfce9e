import type { AuditEvent } from '../model/event.js';
import { describeObject, type EvalCtx, type IdentityKind, type RuleSpec, type StageGate } from './rule.js';
import type { Lists, ListName } from './lists.js';
import { CidrSet } from './patterns.js';
import type { Cooldown, WindowCounter } from './state.js';
import type { Severity } from './types.js';

/** Fields a user rule can match (the flat AuditEvent plus `identity`, the SPEC §5 class of the actor). */
export const STRING_FIELDS = [
  'verb', 'user', 'effectiveUser', 'impersonatedUser', 'sourceIP', 'userAgent', 'apiGroup', 'apiVersion', 'resource',
  'subresource', 'namespace', 'name', 'stage', 'decision', 'uri', 'level', 'reason', 'identity',
] as const;
export const NUMBER_FIELDS = ['code', 'latencyMs'] as const;
/** Fields holding several values: a condition holds when it holds for any of them. */
export const LIST_FIELDS = ['groups', 'impersonatedGroups'] as const;
export type StringField = (typeof STRING_FIELDS)[number];
export type NumberField = (typeof NUMBER_FIELDS)[number];
export type ListField = (typeof LIST_FIELDS)[number];
export type Field = StringField | NumberField | ListField;

export const IDENTITY_KINDS: readonly IdentityKind[] = ['control-plane', 'serviceaccount', 'person', 'anonymous', 'system', 'unknown'];

/** A compiled condition on one event. */
export type Cond = (ev: AuditEvent, x: EvalCtx) => boolean;

/** The condition AST the rules-file parser produces (validated already). */
export type CondSpec =
  | { all: CondSpec[] }
  | { any: CondSpec[] }
  | { not: CondSpec }
  | { field: Field; op: FieldOp };

export type FieldOp =
  | { equals: string | number }
  | { in: Array<string | number> }
  | { inList: ListName }
  | { prefix: string }
  | { suffix: string }
  | { contains: string }
  | { regex: RegExp }
  | { exists: boolean }
  | { cidr: CidrSet }
  | { gt: number }
  | { gte: number }
  | { lt: number }
  | { lte: number }
  | { not: FieldOp }
  | { allOf: FieldOp[] };

export interface ThresholdSpec {
  count: number;
  windowMs: number;
  by: Field[];
  distinct?: Field;
}

export interface CustomRuleSpec {
  id: string;
  severity: Severity;
  title: string;
  description: string;
  match: CondSpec;
  threshold?: ThresholdSpec;
  stage?: StageGate;
  message?: string;
}

export function fieldValue(ev: AuditEvent, x: EvalCtx, f: Field): string | number | string[] {
  switch (f) {
    case 'identity':
      return x.kind;
    case 'effectiveUser':
      return x.effectiveUser;
    default:
      return ev[f];
  }
}

function compileOp(op: FieldOp, lists: Lists): (v: string | number) => boolean {
  if ('equals' in op) return (v) => v === op.equals;
  if ('in' in op) {
    const s = new Set<string | number>(op.in);
    return (v) => s.has(v);
  }
  if ('inList' in op) {
    const name = op.inList;
    if (name === 'sourceIPAllowlist') return (v) => lists.sourceIPAllowlist.contains(String(v));
    if (name === 'dangerousCapabilities') return (v) => lists.dangerousCapabilities.has(String(v));
    return (v) => (lists[name] as { has(s: string): boolean }).has(String(v));
  }
  if ('prefix' in op) return (v) => String(v).startsWith(op.prefix);
  if ('suffix' in op) return (v) => String(v).endsWith(op.suffix);
  if ('contains' in op) return (v) => String(v).includes(op.contains);
  if ('regex' in op) return (v) => op.regex.test(String(v));
  if ('exists' in op) return (v) => (typeof v === 'number' ? v > 0 : v !== '') === op.exists;
  if ('cidr' in op) return (v) => op.cidr.contains(String(v));
  if ('gt' in op) return (v) => typeof v === 'number' && v > op.gt;
  if ('gte' in op) return (v) => typeof v === 'number' && v >= op.gte;
  if ('lt' in op) return (v) => typeof v === 'number' && v < op.lt;
  if ('lte' in op) return (v) => typeof v === 'number' && v <= op.lte;
  if ('not' in op) {
    const inner = compileOp(op.not, lists);
    return (v) => !inner(v);
  }
  const parts = op.allOf.map((o) => compileOp(o, lists));
  return (v) => parts.every((p) => p(v));
}

export function compileCond(c: CondSpec, lists: Lists): Cond {
  if ('all' in c) {
    const parts = c.all.map((p) => compileCond(p, lists));
    return (ev, x) => parts.every((p) => p(ev, x));
  }
  if ('any' in c) {
    const parts = c.any.map((p) => compileCond(p, lists));
    return (ev, x) => parts.some((p) => p(ev, x));
  }
  if ('not' in c) {
    const inner = compileCond(c.not, lists);
    return (ev, x) => !inner(ev, x);
  }
  const test = compileOp(c.op, lists);
  const f = c.field;
  if (f === 'latencyMs' && 'exists' in c.op) {
    // -1 means unknown; 0 is a real (sub-microsecond) latency
    const want = c.op.exists;
    return (ev) => ev.latencyMs >= 0 === want;
  }
  if ((LIST_FIELDS as readonly string[]).includes(f)) {
    const exists = 'exists' in c.op ? c.op.exists : null;
    return (ev, x) => {
      const vs = fieldValue(ev, x, f) as string[];
      if (exists !== null) return (vs.length > 0) === exists;
      return vs.some((v) => test(v));
    };
  }
  return (ev, x) => test(fieldValue(ev, x, f) as string | number);
}

/** Verbs a condition requires at its top level (dispatch prefilter), or null for "any verb". */
function requiredVerbs(c: CondSpec): string[] | null {
  if ('field' in c && c.field === 'verb') {
    if ('equals' in c.op) return [String(c.op.equals)];
    if ('in' in c.op) return c.op.in.map(String);
  }
  if ('all' in c) for (const p of c.all) {
    const v = requiredVerbs(p);
    if (v) return v;
  }
  return null;
}

const PLACEHOLDER = /\{(\w+)\}/g;

function render(template: string, ev: AuditEvent, x: EvalCtx, count: number): string {
  return template.replace(PLACEHOLDER, (m, k: string) => {
    switch (k) {
      case 'who':
        return x.who;
      case 'object':
        return describeObject(ev);
      case 'count':
        return String(count);
      case 'identity':
        return x.kind;
      case 'effectiveUser':
        return x.effectiveUser;
      default: {
        const v = (ev as unknown as Record<string, unknown>)[k];
        return typeof v === 'string' || typeof v === 'number' ? String(v) : Array.isArray(v) ? v.join(',') : m;
      }
    }
  });
}

export const MESSAGE_FIELDS = ['who', 'object', 'count', 'identity', 'effectiveUser', ...STRING_FIELDS, ...NUMBER_FIELDS, ...LIST_FIELDS];

/** A user rule from the rules file, in the same shape as the built-ins. */
export function customRule(spec: CustomRuleSpec): RuleSpec {
  const verbs = requiredVerbs(spec.match);
  const t = spec.threshold;
  return {
    id: spec.id,
    severity: spec.severity,
    title: spec.title,
    description: spec.description,
    ...(verbs ? { verbs } : {}),
    // a threshold counts requests, so it looks at the one stage every request ends with
    stage: spec.stage ?? (t ? 'final' : 'response'),
    create: (env) => {
      const cond = compileCond(spec.match, env.lists);
      const counter = t && !t.distinct ? env.state.counter(t.windowMs) : null;
      const distinct = t?.distinct ? env.state.distinct(t.windowMs, t.count) : null;
      const quiet = t ? env.state.cooldown(t.windowMs) : null;
      return (ev, x) => {
        if (!cond(ev, x)) return null;
        let n = 1;
        let key: string | undefined;
        if (t) {
          key = t.by.map((f) => String(fieldValue(ev, x, f))).join('\u0000');
          n = distinct ? distinct.add(key, String(fieldValue(ev, x, t.distinct as Field)), x.now) : (counter as WindowCounter).add(key, x.now);
          if (n < t.count || !(quiet as Cooldown).take(key, x.now)) return null;
        }
        const base = spec.message ? render(spec.message, ev, x, n) : `${x.who}: ${ev.verb} ${describeObject(ev)}${ev.code ? ` → ${ev.code}` : ''}`;
        const suffix = t && !spec.message ? ` (${n}${t.distinct ? ` distinct ${t.distinct}` : ''} within ${Math.round(t.windowMs / 1000)} s)` : '';
        return { message: base + suffix, ...(key !== undefined ? { key } : {}) };
      };
    },
  };
}
