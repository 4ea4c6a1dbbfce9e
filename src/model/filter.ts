/**
 * Filter expressions: `--filter EXPR` and the screen's `f` prompt share this syntax.
 *
 *   user:alice verb:delete,patch ns:prod code:>=400
 *
 * - Terms are separated by spaces and all must hold (AND). Commas inside a term are alternatives (OR).
 * - `-term` or `!term` negates a term. Values may be double-quoted (`name:"a b"`, `ns:""` = cluster-scoped).
 * - Identifier keys match the whole value, case-insensitively; `*` is a wildcard (`user:system:node:*`).
 *   `user:` also takes the short name people use: `user:alice` is alice@example.com, `user:deployer`
 *   is system:serviceaccount:ci:deployer.
 * - Free-text keys (ua, uri, reason) and free words match substrings; free words look in every field.
 * - `code:` takes 404, =404, >=400, >400, <500, <=499, 4xx, 400-499; `latency:` takes the same
 *   comparisons with ms/s/m units (`latency:>2s`); `ip:` also takes CIDRs (`ip:10.0.0.0/8`).
 *
 * Compiled once into closures over AuditEvent fields so the Engine can run it on every event
 * (a few hundred ns per event for typical expressions). Pure: no ink/react.
 */
import type { AuditEvent } from './event.js';

/** One key of the syntax, with its aliases and how values are matched. */
interface KeySpec {
  names: string[];
  kind: 'ident' | 'user' | 'text' | 'ip' | 'code' | 'latency' | 'resource' | 'groups' | 'alert' | 'rule';
  get: (ev: AuditEvent) => string;
  help: string;
}

const KEYS: KeySpec[] = [
  { names: ['user', 'u'], kind: 'user', get: (e) => e.user, help: 'user: alice@example.com, alice, system:node:*, deployer' },
  { names: ['as', 'impersonated'], kind: 'user', get: (e) => e.impersonatedUser, help: 'impersonated user (as user:)' },
  { names: ['group', 'groups'], kind: 'groups', get: () => '', help: "one of the user's groups" },
  { names: ['verb', 'v'], kind: 'ident', get: (e) => e.verb, help: 'verb (get, list, delete, ...)' },
  { names: ['resource', 'res', 'r'], kind: 'resource', get: (e) => e.resource, help: 'resource, or resource/subresource' },
  { names: ['subresource', 'sub'], kind: 'ident', get: (e) => e.subresource, help: 'subresource (exec, status, ...)' },
  { names: ['ns', 'namespace'], kind: 'ident', get: (e) => e.namespace, help: 'namespace ("" = cluster-scoped)' },
  { names: ['name', 'n'], kind: 'ident', get: (e) => e.name, help: 'object name' },
  { names: ['ip', 'sourceip', 'src'], kind: 'ip', get: (e) => e.sourceIP, help: 'source IP, glob or CIDR' },
  { names: ['ua', 'agent', 'useragent'], kind: 'text', get: (e) => e.userAgent, help: 'user agent (substring)' },
  { names: ['code', 'status'], kind: 'code', get: () => '', help: 'HTTP code: 403, >=400, 4xx, 400-499' },
  { names: ['stage'], kind: 'ident', get: (e) => e.stage, help: 'RequestReceived, ResponseComplete, ...' },
  { names: ['level'], kind: 'ident', get: (e) => e.level, help: 'Metadata, Request, RequestResponse' },
  { names: ['apigroup', 'api'], kind: 'ident', get: (e) => e.apiGroup, help: 'API group ("" = core)' },
  { names: ['decision'], kind: 'ident', get: (e) => e.decision, help: 'allow or forbid' },
  { names: ['uri', 'path'], kind: 'text', get: (e) => e.uri, help: 'request URI (substring)' },
  { names: ['reason'], kind: 'text', get: (e) => e.reason, help: 'response reason/message (substring)' },
  { names: ['latency', 'lat'], kind: 'latency', get: () => '', help: 'latency: >2s, >=500ms, <100' },
  { names: ['id', 'auditid'], kind: 'ident', get: (e) => e.auditID, help: 'auditID (prefix with *)' },
  { names: ['alert', 'severity', 'sev'], kind: 'alert', get: () => '', help: 'requests that raised an alert: alert:*, alert:high, alert:>=medium (screen only)' },
  { names: ['rule'], kind: 'rule', get: () => '', help: 'requests that raised this rule, e.g. rule:exec-* (screen only)' },
];

/** Keys that need to know a request's alerts: the screen's `f` filter has that, `--filter` (before detection) does not. */
export const CONTEXT_KEYS: ReadonlySet<string> = new Set(['alert', 'rule']);

/** Severity order for `alert:>=medium` (the detector's severities, low to high). */
const SEVERITY_RANK: Record<string, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

const KEY_BY_NAME = new Map<string, KeySpec>();
for (const k of KEYS) for (const n of k.names) KEY_BY_NAME.set(n, k);

/** The keys and what they match, for the help overlay and `--help`. */
export const FILTER_KEYS: ReadonlyArray<{ key: string; aliases: string[]; help: string }> = KEYS.map((k) => ({
  key: k.names[0]!,
  aliases: k.names.slice(1),
  help: k.help,
}));

/** What is known about a request beyond its event: the alerts it raised (the screen knows, ingest does not). */
export interface FilterContext {
  /** highest severity among its alerts, '' when none */
  severity: string;
  /** rule ids of its alerts, when known */
  rules?: ReadonlySet<string>;
}

type Pred = (ev: AuditEvent, ctx?: FilterContext) => boolean;

export interface FilterTerm {
  /** canonical key name, or 'text' for a free word */
  key: string;
  negate: boolean;
  /** the values as written (unquoted), alternatives of one term */
  values: string[];
  /** position of the term in the expression (0-based, for highlighting) */
  start: number;
  end: number;
  test: Pred;
}

export interface Filter {
  readonly kind: 'filter';
  readonly expr: string;
  readonly terms: readonly FilterTerm[];
  /** free words that must appear (lowercase), for search highlighting */
  readonly words: readonly string[];
  /** true when the expression has no terms (matches everything) */
  readonly empty: boolean;
  /** some term is about alerts (alert:, rule:): pass a FilterContext, or those terms see none */
  readonly needsContext: boolean;
  test(ev: AuditEvent, ctx?: FilterContext): boolean;
}

export class FilterError extends Error {
  readonly kind = 'error' as const;
  constructor(
    readonly expr: string,
    /** 0-based index into expr where the problem is */
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} (at column ${position + 1})`);
    this.name = 'FilterError';
  }
}

export function isFilterError(x: Filter | FilterError): x is FilterError {
  return x.kind === 'error';
}

/** Run a compiled filter on one event (with what is known of its alerts, if anything). */
export function matches(filter: Filter, ev: AuditEvent, ctx?: FilterContext): boolean {
  return filter.test(ev, ctx);
}

// ---------------------------------------------------------------------------------------------
// tokenising

interface Token {
  text: string; // with quotes removed
  start: number;
  end: number;
  /** the part before the first unquoted ':' when it was not quoted, else undefined */
  prefix?: string;
  /** values after the key, split on unquoted commas, quotes removed */
  values?: { text: string; start: number; quoted: boolean }[];
  negate: boolean;
  quotedWhole: boolean;
}

function tokenize(expr: string): Token[] | FilterError {
  const out: Token[] = [];
  let i = 0;
  const n = expr.length;
  while (i < n) {
    while (i < n && /\s/.test(expr[i]!)) i++;
    if (i >= n) break;
    const start = i;
    let negate = false;
    if ((expr[i] === '-' || expr[i] === '!') && i + 1 < n && !/\s/.test(expr[i + 1]!)) {
      negate = true;
      i++;
    }
    // read the raw term up to unquoted whitespace
    let prefix: string | undefined;
    const values: { text: string; start: number; quoted: boolean }[] = [];
    let cur = '';
    let curStart = i;
    let curQuoted = false;
    let anyQuote = false;
    while (i < n && !/\s/.test(expr[i]!)) {
      const ch = expr[i]!;
      if (ch === '"') {
        const close = expr.indexOf('"', i + 1);
        if (close < 0) return new FilterError(expr, i, 'unterminated quote');
        cur += expr.slice(i + 1, close);
        curQuoted = true;
        anyQuote = true;
        i = close + 1;
        continue;
      }
      if (ch === ':' && prefix === undefined && !curQuoted) {
        prefix = cur;
        cur = '';
        curStart = i + 1;
        i++;
        continue;
      }
      if (ch === ',' && prefix !== undefined) {
        values.push({ text: cur, start: curStart, quoted: curQuoted });
        cur = '';
        curQuoted = false;
        curStart = i + 1;
        i++;
        continue;
      }
      cur += ch;
      i++;
    }
    if (prefix !== undefined) values.push({ text: cur, start: curStart, quoted: curQuoted });
    const text = prefix === undefined ? cur : expr.slice(negate ? start + 1 : start, i).replace(/"/g, '');
    out.push({ text, start, end: i, prefix, values, negate, quotedWhole: anyQuote && prefix === undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// value matchers

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `*` wildcard pattern → anchored, case-insensitive RegExp. */
function globRegex(v: string, anchored: boolean): RegExp {
  const body = v.split('*').map(escapeRegex).join('.*');
  return new RegExp(anchored ? `^${body}$` : body, 'i');
}

/** Whole-value, case-insensitive match (glob when `*` is present). */
function identMatcher(v: string): (s: string) => boolean {
  if (v.includes('*')) {
    const re = globRegex(v, true);
    return (s) => re.test(s);
  }
  const lower = v.toLowerCase();
  return (s) => s.length === lower.length && (s === v || s === lower || s.toLowerCase() === lower);
}

/**
 * A user by its whole name, or by the name people use for it: the local part of an email
 * (`user:alice` for alice@example.com) or the last segment of a colon name (`user:deployer` for
 * system:serviceaccount:ci:deployer, `user:worker-1` for system:node:worker-1). With `*` the pattern
 * is matched against the whole name only (`user:system:node:*`).
 */
function userMatcher(v: string): (s: string) => boolean {
  if (v.includes('*')) return identMatcher(v);
  const whole = identMatcher(v);
  const lower = v.toLowerCase();
  return (s) => {
    if (whole(s)) return true;
    const at = s.indexOf('@');
    if (at > 0 && at === lower.length && s.slice(0, at).toLowerCase() === lower) return true;
    const colon = s.lastIndexOf(':');
    return colon >= 0 && s.length - colon - 1 === lower.length && s.slice(colon + 1).toLowerCase() === lower;
  };
}

/** Substring, case-insensitive (glob pieces allowed). */
function textMatcher(v: string): (s: string) => boolean {
  if (v === '') return (s) => s === '';
  const re = globRegex(v, false);
  return (s) => re.test(s);
}

function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** IPv6 → 16 bytes (accepts :: and an embedded IPv4 tail such as ::ffff:10.0.0.1), null when invalid. */
function parseIPv6(s: string): number[] | null {
  if (!s.includes(':')) return null;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const p = parseIPv4(v4[1]!);
    if (!p) return null;
    // rewrite the dotted tail as two hex groups, then parse as plain IPv6
    s = s.slice(0, -v4[1]!.length) + ((p[0]! << 8) | p[1]!).toString(16) + ':' + ((p[2]! << 8) | p[3]!).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...rest];
  if (groups.length !== 8) return null;
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    const x = parseInt(g, 16);
    bytes.push(x >> 8, x & 0xff);
  }
  return bytes;
}

function parseIP(s: string): number[] | null {
  return parseIPv4(s) ?? parseIPv6(s);
}

function cidrMatcher(v: string): ((s: string) => boolean) | string {
  const slash = v.lastIndexOf('/');
  const net = parseIP(v.slice(0, slash));
  const bits = Number(v.slice(slash + 1));
  if (!net) return `'${v.slice(0, slash)}' is not an IP address`;
  if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) return `bad prefix length '/${v.slice(slash + 1)}'`;
  return (s) => {
    const ip = parseIP(s);
    if (!ip || ip.length !== net.length) return false;
    let left = bits;
    for (let i = 0; left > 0; i++, left -= 8) {
      const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
      if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
    }
    return true;
  };
}

/** `>=400`, `4xx`, `400-499`, `=404`, `404` → predicate on a number; string = error reason. */
function numberMatcher(v: string, unit: 'code' | 'latency'): ((x: number) => boolean) | string {
  const parseNum = (t: string): number | null => {
    if (unit === 'code') return /^\d{1,3}$/.test(t) ? Number(t) : null;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(t);
    if (!m) return null;
    const x = Number(m[1]);
    return m[2] === 's' ? x * 1000 : m[2] === 'm' ? x * 60_000 : x;
  };
  const what = unit === 'code' ? 'a status code' : 'a duration (e.g. 500ms, 2s)';
  if (unit === 'code') {
    const cls = /^([1-5])xx$/i.exec(v);
    if (cls) {
      const lo = Number(cls[1]) * 100;
      return (x) => x >= lo && x < lo + 100;
    }
  }
  const range = /^([^<>=-]+)-([^<>=-]+)$/.exec(v);
  if (range) {
    const lo = parseNum(range[1]!);
    const hi = parseNum(range[2]!);
    if (lo === null || hi === null) return `'${v}' is not a range of ${unit === 'code' ? 'codes' : 'durations'}`;
    return (x) => x >= lo && x <= hi;
  }
  const cmp = /^(>=|<=|>|<|=)?(.*)$/.exec(v)!;
  const op = cmp[1] ?? '=';
  const num = parseNum(cmp[2]!);
  if (num === null) return `'${cmp[2]}' is not ${what}`;
  switch (op) {
    case '>=':
      return (x) => x >= num;
    case '<=':
      return (x) => x <= num;
    case '>':
      return (x) => x > num;
    case '<':
      return (x) => x < num;
    default:
      return (x) => x === num;
  }
}

/** Lowercased text a free word is looked for in: every field a person would think of. */
export function eventHaystack(ev: AuditEvent): string {
  return (
    ev.user +
    '\n' +
    ev.impersonatedUser +
    '\n' +
    ev.verb +
    '\n' +
    ev.resource +
    '/' +
    ev.subresource +
    '\n' +
    ev.namespace +
    '\n' +
    ev.name +
    '\n' +
    ev.sourceIP +
    '\n' +
    ev.userAgent +
    '\n' +
    ev.uri +
    '\n' +
    (ev.code || '') +
    '\n' +
    ev.auditID +
    '\n' +
    ev.groups.join(' ')
  ).toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// parsing

/** Levenshtein distance, small strings only (key typo suggestions). */
function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function closestKey(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of KEY_BY_NAME.keys()) {
    if (k.length < 2) continue;
    const dist = editDistance(name, k);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  // a typo of a key (usr, nmespace, verbs) is an error; anything else (system:masters) is a free word
  return bestD <= (name.length <= 4 ? 1 : 2) ? best : undefined;
}

function compileTerm(expr: string, tok: Token, spec: KeySpec): FilterTerm | FilterError {
  const values = tok.values!;
  const preds: Pred[] = [];
  for (const val of values) {
    const v = val.text;
    if (v === '' && !val.quoted) {
      return new FilterError(expr, val.start, `missing value after '${tok.prefix}:' (use "" for an empty value)`);
    }
    const get = spec.get;
    switch (spec.kind) {
      case 'ident': {
        const m = identMatcher(v);
        preds.push((ev) => m(get(ev)));
        break;
      }
      case 'user': {
        const m = userMatcher(v);
        preds.push((ev) => m(get(ev)));
        break;
      }
      case 'groups': {
        const m = identMatcher(v);
        preds.push((ev) => ev.groups.some(m));
        break;
      }
      case 'resource': {
        const m = identMatcher(v);
        if (v.includes('/')) preds.push((ev) => m(ev.subresource ? `${ev.resource}/${ev.subresource}` : ev.resource));
        else preds.push((ev) => m(ev.resource));
        break;
      }
      case 'text': {
        const m = textMatcher(v);
        preds.push((ev) => m(get(ev)));
        break;
      }
      case 'ip': {
        if (v.includes('/')) {
          const m = cidrMatcher(v);
          if (typeof m === 'string') return new FilterError(expr, val.start, m);
          preds.push((ev) => m(ev.sourceIP));
        } else {
          const m = identMatcher(v);
          preds.push((ev) => m(ev.sourceIP));
        }
        break;
      }
      case 'code': {
        const m = numberMatcher(v, 'code');
        if (typeof m === 'string') return new FilterError(expr, val.start, m);
        preds.push((ev) => m(ev.code));
        break;
      }
      case 'alert': {
        const lv = v.toLowerCase();
        if (lv === '*' || lv === 'any' || lv === 'yes') {
          preds.push((_ev, ctx) => (ctx?.severity ?? '') !== '');
        } else if (lv === 'none' || lv === 'no') {
          preds.push((_ev, ctx) => (ctx?.severity ?? '') === '');
        } else {
          const m = /^(>=|<=|>|<|=)?([a-z]+)$/.exec(lv);
          const rank = m ? SEVERITY_RANK[m[2]!] : undefined;
          if (!m || rank === undefined) return new FilterError(expr, val.start, `'${v}' is not a severity (critical, high, medium, low, info, or * for any)`);
          const op = m[1] ?? '=';
          preds.push((_ev, ctx) => {
            const r = SEVERITY_RANK[ctx?.severity ?? ''] ?? 0;
            if (r === 0) return false;
            return op === '>=' ? r >= rank : op === '<=' ? r <= rank : op === '>' ? r > rank : op === '<' ? r < rank : r === rank;
          });
        }
        break;
      }
      case 'rule': {
        const m = identMatcher(v);
        preds.push((_ev, ctx) => {
          if (!ctx?.rules) return false;
          for (const r of ctx.rules) if (m(r)) return true;
          return false;
        });
        break;
      }
      case 'latency': {
        const m = numberMatcher(v, 'latency');
        if (typeof m === 'string') return new FilterError(expr, val.start, m);
        // unknown latency (-1) never satisfies a comparison, negated or not it is "unknown"
        preds.push((ev) => ev.latencyMs >= 0 && m(ev.latencyMs));
        break;
      }
    }
  }
  const any: Pred =
    preds.length === 1
      ? preds[0]!
      : (ev, ctx) => {
          for (const p of preds) if (p(ev, ctx)) return true;
          return false;
        };
  return {
    key: spec.names[0]!,
    negate: tok.negate,
    values: values.map((v) => v.text),
    start: tok.start,
    end: tok.end,
    test: tok.negate ? (ev, ctx) => !any(ev, ctx) : any,
  };
}

/**
 * Parse a filter expression. Returns a compiled Filter, or a FilterError naming the position and
 * the reason (shown under the prompt on the screen, and on stderr with exit 2 for `--filter`).
 */
export function parseFilter(expr: string): Filter | FilterError {
  const toks = tokenize(expr);
  if (toks instanceof FilterError) return toks;
  const terms: FilterTerm[] = [];
  const words: string[] = [];
  for (const tok of toks) {
    if (tok.prefix !== undefined) {
      const keyName = tok.prefix.toLowerCase();
      const spec = KEY_BY_NAME.get(keyName);
      if (spec) {
        const t = compileTerm(expr, tok, spec);
        if (t instanceof FilterError) return t;
        terms.push(t);
        continue;
      }
      if (tok.prefix === '') {
        return new FilterError(expr, tok.start + (tok.negate ? 1 : 0), "missing key before ':'");
      }
      const near = /^[a-z]+$/i.test(tok.prefix) ? closestKey(keyName) : undefined;
      if (near) {
        return new FilterError(expr, tok.start + (tok.negate ? 1 : 0), `unknown key '${tok.prefix}' (did you mean '${near}'?)`);
      }
      // not a key: a free word that happens to hold a colon (system:masters, system:node:worker-1)
    }
    const word = tok.text.toLowerCase();
    if (word === '') continue;
    if (!tok.negate) words.push(word);
    const neg = tok.negate;
    terms.push({
      key: 'text',
      negate: neg,
      values: [tok.text],
      start: tok.start,
      end: tok.end,
      test: neg ? (ev) => !eventHaystack(ev).includes(word) : (ev) => eventHaystack(ev).includes(word),
    });
  }
  return makeFilter(expr, terms, words);
}

function makeFilter(expr: string, terms: FilterTerm[], words: string[]): Filter {
  // structured terms first: they are cheap and usually decide; free words build a haystack string
  const ordered = [...terms.filter((t) => t.key !== 'text'), ...terms.filter((t) => t.key === 'text')];
  const tests = ordered.map((t) => t.test);
  let test: Pred;
  if (tests.length === 0) test = () => true;
  else if (tests.length === 1) test = tests[0]!;
  else {
    const textTerms = ordered.filter((t) => t.key === 'text');
    const fieldTests = ordered.filter((t) => t.key !== 'text').map((t) => t.test);
    // several free words share one haystack per event instead of one each
    const textChecks = textTerms.map((t) => ({ w: t.values[0]!.toLowerCase(), neg: t.negate }));
    test = (ev, ctx) => {
      for (const f of fieldTests) if (!f(ev, ctx)) return false;
      if (textChecks.length === 0) return true;
      const h = eventHaystack(ev);
      for (const c of textChecks) if (h.includes(c.w) === c.neg) return false;
      return true;
    };
  }
  const needsContext = terms.some((t) => CONTEXT_KEYS.has(t.key));
  return { kind: 'filter', expr, terms, words, empty: terms.length === 0, needsContext, test };
}

/** The filter that keeps everything. */
export const MATCH_ALL: Filter = makeFilter('', [], []);
