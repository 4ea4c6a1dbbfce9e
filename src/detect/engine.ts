import type { AuditEvent } from '../model/event.js';
import { requestObjectOf } from './body.js';
import { compileLists, type Lists } from './lists.js';
import { type EvalCtx, type IdentityKind, type Matcher, type RuleHit, type RuleSpec, type StageGate } from './rule.js';
import { BoundedMap, RecentSet, stateFactory, type Bounded } from './state.js';
import { formatDuration } from './describe.js';
import { clip } from './text.js';
import { type Alert, type Detector, type GapInfo, type RequestContext, type Severity } from './types.js';
import { applyListEdits } from './lists.js';
import type { RulesConfig } from './rules-config.js';

/** Longest message an alert carries (the JSON line and the screen both stay readable). */
export const MESSAGE_MAX = 400;

export interface EngineLimits {
  /** keys per keyed structure of each rule (users, IPs, …) */
  maxKeys: number;
  /** rule+auditID pairs remembered so a request alerts once per rule across its stages */
  dedupe: number;
  /** distinct (verb, resource, subresource) dispatch lists cached */
  dispatchCache: number;
  /** identity classifications cached */
  identityCache: number;
  /** sources tracked for time going backwards */
  sources: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxKeys: 10_000,
  // Stages of one request arrive close together (long-running ones minutes apart at most); 64k
  // recent pairs covers the alerts of hours of traffic, and costs ~5 MB at most.
  dedupe: 65_536,
  dispatchCache: 4096,
  identityCache: 4096,
  sources: 256,
};

interface Compiled {
  idx: number;
  id: string;
  severity: Severity;
  title: string;
  family: string;
  fallback: boolean;
  stage: StageGate;
  verbs: Set<string> | null;
  resources: Set<string> | null;
  match: Matcher;
}

interface Hit {
  rule: Compiled;
  hit: RuleHit;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** The rule that reports data the log is missing (see `missingBody`), and log gaps. */
export const NO_BODIES_RULE = 'no-request-bodies';
export const AUDIT_GAP_RULE = 'audit-gap';

/** Built-in rules that are not predicates over one event but engine features; they can be disabled and re-ranked like any rule. */
export const ENGINE_RULES: ReadonlyArray<Omit<RuleSpec, 'create' | 'stage'> & { params?: Record<string, number> }> = [
  {
    id: AUDIT_GAP_RULE,
    severity: 'high',
    title: 'Gap in the audit log',
    description:
      'The log lost data: the file was truncated, a rotated file vanished before it was read (reported by the follower), or event time jumped backwards within one source by more than `backwardsMs` (default 60 s; medium).',
    params: { backwardsMs: 60_000 },
  },
  {
    id: NO_BODIES_RULE,
    severity: 'info',
    title: 'Rules blind: no request bodies',
    description:
      'Said once per resource: requests a body rule (pod security, RBAC contents, NodePort, ConfigMap credentials) should inspect are logged without requestObject (audit level Metadata), so those rules cannot fire for them. Raise the audit level for that resource to Request.',
  },
];

/**
 * The detector: dispatches each event to the rules that can fire on its verb and resource, dedupes
 * per request, merges rule families, and turns hits into SPEC §3 alerts. Never throws.
 */
export class DetectionEngine implements Detector {
  readonly lists: Lists;
  private readonly rules: Compiled[] = [];
  private readonly dispatch = new Map<string, Map<string, Map<string, Compiled[]>>>();
  private dispatchSize = 0;
  private readonly fired: RecentSet;
  private readonly identities = new Map<string, IdentityKind>();
  /** latest event time per source (a mutable box, so the common case is one Map lookup) */
  private readonly sourceTime: BoundedMap<string, { max: number }>;
  private readonly blindResources = new Set<string>();
  /** sources whose event time this detector saw jump backwards (bounded like sourceTime) */
  private readonly backwardsSources: RecentSet;
  private readonly gapRule: { enabled: boolean; severity: Severity | null; title: string; backwardsMs: number };
  private readonly noBodies: { enabled: boolean; severity: Severity; title: string };
  /** latest valid event time seen: the clock for events that carry none */
  lastTs = NaN;
  private readonly ruleState: Array<{ rule: string; st: Bounded }> = [];
  private readonly x: Ctx;

  constructor(specs: readonly RuleSpec[], config: RulesConfig = {}, readonly limits: EngineLimits = DEFAULT_LIMITS) {
    this.lists = compileLists(applyListEdits(config.lists));
    this.fired = new RecentSet(limits.dedupe);
    this.sourceTime = new BoundedMap(limits.sources);
    this.backwardsSources = new RecentSet(limits.sources);
    const overrides = config.overrides ?? {};
    for (const spec of specs) {
      const o = overrides[spec.id];
      if (o?.enabled === false) continue;
      const params = { ...spec.params, ...o?.params };
      this.rules.push({
        idx: this.rules.length,
        id: spec.id,
        severity: o?.severity ?? spec.severity,
        title: spec.title,
        family: spec.family ?? '',
        fallback: spec.fallback === true,
        stage: spec.stage,
        verbs: spec.verbs ? new Set(spec.verbs) : null,
        resources: spec.resources ? new Set(spec.resources) : null,
        match: spec.create({ lists: this.lists, params, state: stateFactory(limits.maxKeys, (st) => this.ruleState.push({ rule: spec.id, st })) }),
      });
    }
    const gapO = overrides[AUDIT_GAP_RULE];
    const gapSpec = ENGINE_RULES[0] as (typeof ENGINE_RULES)[number];
    this.gapRule = {
      enabled: gapO?.enabled !== false,
      // null: pick by kind (losses high, time going backwards medium)
      severity: gapO?.severity ?? null,
      title: gapSpec.title,
      backwardsMs: gapO?.params?.backwardsMs ?? (gapSpec.params?.backwardsMs as number),
    };
    const nbO = overrides[NO_BODIES_RULE];
    const nbSpec = ENGINE_RULES[1] as (typeof ENGINE_RULES)[number];
    this.noBodies = { enabled: nbO?.enabled !== false, severity: nbO?.severity ?? nbSpec.severity, title: nbSpec.title };
    this.x = new Ctx(this);
  }

  /** ids of the active rules, in evaluation order */
  get ruleIds(): string[] {
    return this.rules.map((r) => r.id);
  }

  evaluate(ev: AuditEvent, ctx: RequestContext): Alert[] {
    try {
      return this.evaluateOrThrow(ev, ctx);
    } catch {
      // A rule bug must not stop ingest (Detector contract); the event simply raises nothing.
      return NONE;
    }
  }

  gap(g: GapInfo): Alert[] {
    if (!this.gapRule.enabled) return NONE;
    // The detector sees time going backwards in the events themselves; when the follower reports
    // the same for a source already reported here, one alert is enough.
    if (g.kind === 'time-backwards' && this.backwardsSources.has(g.source)) return NONE;
    return this.gapAlert(g);
  }

  private gapAlert(g: GapInfo): Alert[] {
    const severity = this.gapRule.severity ?? (g.kind === 'time-backwards' ? 'medium' : 'high');
    const iso = Number.isFinite(g.ts) ? new Date(g.ts).toISOString() : '';
    const lost = g.bytes !== undefined && g.bytes > 0 ? ` (${g.bytes} bytes lost)` : '';
    return [
      {
        ts: iso,
        tsMs: g.ts,
        rule: AUDIT_GAP_RULE,
        severity,
        title: this.gapRule.title,
        // the follower's messages usually name the file already; say which source otherwise
        message: clip(`${g.message.includes(g.source) ? '' : `${g.source}: `}${g.message}${lost}`, MESSAGE_MAX),
        auditID: '',
        user: '',
        verb: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: clip(g.source, 200),
        sourceIP: '',
        code: 0,
        groupKey: `${AUDIT_GAP_RULE}\u0000${g.source}\u0000${g.kind}`,
      },
    ];
  }

  classify(user: string): IdentityKind {
    let k = this.identities.get(user);
    if (k !== undefined) return k;
    k = classifyIdentity(user, this.lists);
    if (this.identities.size >= this.limits.identityCache) this.identities.clear();
    this.identities.set(user, k);
    return k;
  }

  /** evaluate without the safety net: tests use it so a rule bug shows instead of raising nothing */
  evaluateOrThrow(ev: AuditEvent, ctx: RequestContext): Alert[] {
    let out: Alert[] = NONE;
    const ts = ev.ts;
    if (ts === ts) {
      // time going backwards within one source (the follower reports losses it can prove itself)
      const back = this.checkBackwards(ev);
      if (back !== null) out = [back];
      if (!(ts < this.lastTs)) this.lastTs = ts;
    }
    // Health probes never alert (SPEC §5); checked once here instead of in every rule.
    if (ev.resource === '' && ev.uri.charCodeAt(0) === 47 /* / */ && isHealthUri(ev.uri, this.lists)) return out;

    const candidates = this.candidates(ev.verb, ev.resource, ev.subresource);
    if (candidates.length === 0) return out;
    const received = ev.stage === 'RequestReceived';
    const x = this.x;
    x.reset(ev);
    let hits: Hit[] | null = null;
    for (const r of candidates) {
      if (r.stage === 'response' ? received : r.stage === 'final' ? !ctx.finalStage : false) continue;
      const hit = r.match(ev, x);
      if (hit === null) continue;
      if (ev.auditID !== '' && this.fired.has(`${r.idx}\u0000${ev.auditID}`)) continue;
      (hits ??= []).push({ rule: r, hit });
    }
    if (x.blindRule !== '') {
      const notice = this.blind(ev, x.blindRule);
      if (notice !== null) out = out === NONE ? [notice] : [...out, notice];
    }
    if (hits === null) return out;
    const alerts = out === NONE ? [] : out;
    for (const h of this.mergeFamilies(hits)) alerts.push(this.toAlert(ev, x, h.rule, h.hit));
    return alerts;
  }

  /** One alert per family per request: the first non-fallback member wins, the others add detail. */
  private mergeFamilies(hits: Hit[]): Hit[] {
    const auditID = this.x.ev?.auditID ?? '';
    const out: Hit[] = [];
    const byFamily = new Map<string, Hit[]>();
    for (const h of hits) {
      if (h.rule.family === '') {
        out.push(h);
        this.markFired(h.rule.idx, auditID);
        continue;
      }
      const list = byFamily.get(h.rule.family);
      if (list) list.push(h);
      else byFamily.set(h.rule.family, [h]);
    }
    for (const [family, list] of byFamily) {
      const specific = list.filter((h) => !h.rule.fallback);
      const pool = specific.length > 0 ? specific : list;
      const first = pool[0] as Hit;
      let severity: Severity = first.hit.severity ?? first.rule.severity;
      const extra: string[] = [];
      for (const h of pool.slice(1)) {
        const s = h.hit.severity ?? h.rule.severity;
        if (SEVERITY_RANK[s] < SEVERITY_RANK[severity]) severity = s;
        extra.push(h.hit.detail ?? h.rule.title.toLowerCase());
      }
      const message = extra.length > 0 ? `${first.hit.message}; also ${extra.join('; ')}` : first.hit.message;
      out.push({ rule: first.rule, hit: { ...first.hit, message, severity } });
      // the whole family has spoken for this request: later stages must not add a second alert
      for (const r of this.rules) if (r.family === family) this.markFired(r.idx, auditID);
    }
    return out;
  }

  private markFired(idx: number, auditID: string): void {
    if (auditID !== '') this.fired.add(`${idx}\u0000${auditID}`);
  }

  private toAlert(ev: AuditEvent, x: Ctx, r: Compiled, hit: RuleHit): Alert {
    return {
      ts: ev.time,
      tsMs: ev.ts,
      rule: r.id,
      severity: hit.severity ?? r.severity,
      title: r.title,
      message: clip(hit.message, MESSAGE_MAX),
      auditID: ev.auditID,
      user: ev.user,
      verb: ev.verb,
      resource: ev.resource,
      subresource: ev.subresource,
      namespace: ev.namespace,
      name: ev.name,
      sourceIP: ev.sourceIP,
      code: ev.code,
      groupKey: `${r.id}\u0000${hit.key ?? x.effectiveUser}`,
    };
  }

  private checkBackwards(ev: AuditEvent): Alert | null {
    const box = this.sourceTime.get(ev.source);
    if (box === undefined) {
      this.sourceTime.set(ev.source, { max: ev.ts });
      return null;
    }
    const prev = box.max;
    if (ev.ts > prev) {
      box.max = ev.ts;
      return null;
    }
    if (!this.gapRule.enabled || prev - ev.ts <= this.gapRule.backwardsMs) return null;
    // Start over from the new time: one alert per jump, not one per event after it.
    box.max = ev.ts;
    this.backwardsSources.add(ev.source);
    const [a] = this.gapAlert({
      ts: ev.ts,
      source: ev.source,
      kind: 'time-backwards',
      message: `event time jumped back ${formatDuration(prev - ev.ts)} (from ${new Date(prev).toISOString()} to ${ev.time})`,
    });
    return a ? { ...a, ts: ev.time, auditID: ev.auditID } : null;
  }

  private blind(ev: AuditEvent, ruleId: string): Alert | null {
    if (!this.noBodies.enabled) return null;
    const res = ev.resource;
    if (this.blindResources.has(res)) return null;
    // bounded by the number of resource types a body rule watches (a dozen), capped anyway
    if (this.blindResources.size >= 256) return null;
    this.blindResources.add(res);
    const level = ev.level || 'unknown';
    return {
      ts: ev.time,
      tsMs: ev.ts,
      rule: NO_BODIES_RULE,
      severity: this.noBodies.severity,
      title: this.noBodies.title,
      message: clip(
        `${res} ${ev.verb} requests are logged without request bodies (audit level ${level}), so ${ruleId} and the other body rules cannot inspect them; log ${res} at level Request or RequestResponse`,
        MESSAGE_MAX,
      ),
      auditID: ev.auditID,
      // Not attributed to anyone: it describes the log, not what this user did.
      user: '',
      verb: ev.verb,
      resource: res,
      subresource: ev.subresource,
      namespace: '',
      name: '',
      sourceIP: '',
      code: 0,
      groupKey: `${NO_BODIES_RULE}\u0000${res}`,
    };
  }

  private candidates(verb: string, resource: string, sub: string): Compiled[] {
    let byRes = this.dispatch.get(verb);
    let bySub = byRes?.get(resource);
    const cached = bySub?.get(sub);
    if (cached !== undefined) return cached;
    const key = sub === '' ? resource : `${resource}/${sub}`;
    const list = this.rules.filter(
      (r) => (r.verbs === null || r.verbs.has(verb)) && (r.resources === null || r.resources.has(key)),
    );
    // Verbs and resources are log-controlled strings: cache only up to a bound.
    if (this.dispatchSize < this.limits.dispatchCache) {
      if (byRes === undefined) this.dispatch.set(verb, (byRes = new Map()));
      if (bySub === undefined) byRes.set(resource, (bySub = new Map()));
      bySub.set(sub, list);
      this.dispatchSize++;
    }
    return list;
  }

  /** for tests: every rule's keyed structures with their size and cap */
  ruleStateSizes(): Array<{ rule: string; size: number; capacity: number }> {
    return this.ruleState.map(({ rule, st }) => ({ rule, size: st.size, capacity: st.capacity }));
  }

  /** for tests: the size of every bounded structure */
  stateSizes(): Record<string, number> {
    return {
      fired: this.fired.size,
      identities: this.identities.size,
      sources: this.sourceTime.size,
      dispatch: this.dispatchSize,
      blindResources: this.blindResources.size,
    };
  }
}

// Shared and frozen: most events raise nothing, and nobody may push into everyone's empty result.
const NONE: Alert[] = Object.freeze([]) as unknown as Alert[];

class Ctx implements EvalCtx {
  ev: AuditEvent | null = null;
  kind: IdentityKind = 'unknown';
  controlPlane = false;
  effectiveUser = '';
  who = '';
  now = NaN;
  blindRule = '';
  private parsed = false;
  private body: unknown = undefined;

  constructor(private readonly engine: DetectionEngine) {}

  reset(ev: AuditEvent): void {
    this.ev = ev;
    this.parsed = false;
    this.body = undefined;
    this.blindRule = '';
    const e = this.engine;
    this.kind = e.classify(ev.user);
    const imp = ev.impersonatedUser;
    this.controlPlane = this.kind === 'control-plane' && (imp === '' || e.classify(imp) === 'control-plane');
    this.effectiveUser = imp || ev.user;
    this.who = imp ? `${ev.user || 'unknown user'} (as ${imp})` : ev.user || (ev.sourceIP ? `unknown user from ${ev.sourceIP}` : 'unknown user');
    this.now = ev.ts === ev.ts ? ev.ts : e.lastTs;
  }

  requestObject(): unknown {
    if (!this.parsed) {
      this.parsed = true;
      this.body = this.ev ? requestObjectOf(this.ev) : undefined;
    }
    return this.body;
  }

  missingBody(ruleId: string): void {
    if (this.blindRule === '') this.blindRule = ruleId;
  }

  hasBody(ruleId: string): boolean {
    if (this.ev?.hasRequestObject) return true;
    this.missingBody(ruleId);
    return false;
  }

  classify(user: string): IdentityKind {
    return this.engine.classify(user);
  }
}

export function classifyIdentity(user: string, lists: Lists): IdentityKind {
  if (user === '') return 'unknown';
  if (user === 'system:anonymous') return 'anonymous';
  if (lists.personUsers.has(user)) return 'person';
  if (lists.controlPlaneUsers.has(user)) return 'control-plane';
  if (user.startsWith('system:serviceaccount:')) return 'serviceaccount';
  if (user.startsWith('system:')) return 'system';
  return 'person';
}

function isHealthUri(uri: string, lists: Lists): boolean {
  const q = uri.indexOf('?');
  return lists.healthPaths.has(q === -1 ? uri : uri.slice(0, q));
}
