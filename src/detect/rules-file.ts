import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import {
  IDENTITY_KINDS,
  LIST_FIELDS,
  MESSAGE_FIELDS,
  NUMBER_FIELDS,
  STRING_FIELDS,
  customRule,
  type CondSpec,
  type CustomRuleSpec,
  type Field,
  type FieldOp,
  type ThresholdSpec,
} from './custom-rule.js';
import { ENGINE_RULES } from './engine.js';
import { isListName, LIST_NAMES, type ListEdit, type ListName } from './lists.js';
import { CidrSet, parseCidr } from './patterns.js';
import type { StageGate } from './rule.js';
import type { RuleOverride, RulesConfig } from './rules-config.js';
import { BUILTIN_RULES } from './rules/index.js';
import { SEVERITIES, type Severity } from './types.js';

/** A rules file that cannot be used: the CLI prints `file:line: reason` and exits 2. */
export class RulesFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'RulesFileError';
  }
}

/** Read and validate `--rules FILE`. Throws RulesFileError (also for an unreadable file, line 0). */
export function loadRulesFile(path: string): RulesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new RulesFileError(path, 0, `cannot read rules file: ${why}`);
  }
  return parseRules(text, path);
}

const TOP_KEYS = ['lists', 'rules', 'custom'];
const OVERRIDE_KEYS = ['enabled', 'severity', 'params'];
const CUSTOM_KEYS = ['id', 'severity', 'title', 'description', 'match', 'threshold', 'stage', 'message'];
const THRESHOLD_KEYS = ['count', 'window', 'by', 'distinct'];
const OPS = ['equals', 'in', 'inList', 'prefix', 'suffix', 'contains', 'regex', 'exists', 'not', 'cidr', 'gt', 'gte', 'lt', 'lte'];
const NUMERIC_OPS = new Set(['gt', 'gte', 'lt', 'lte']);
const STAGES: StageGate[] = ['response', 'final', 'any'];
const ALL_FIELDS: readonly string[] = [...STRING_FIELDS, ...NUMBER_FIELDS, ...LIST_FIELDS];

/** Parse rules-file text (see README "Detection rules" for the format). */
export function parseRules(text: string, file = '<rules>'): RulesConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const p = new Parser(file, lc);
  const err = doc.errors[0];
  if (err) throw new RulesFileError(file, err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line, `invalid YAML: ${firstLine(err.message)}`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return {};
  return p.root(root as YamlNode);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

class Parser {
  private readonly ids = new Set<string>();
  constructor(
    private readonly file: string,
    private readonly lc: LineCounter,
  ) {
    for (const r of [...BUILTIN_RULES, ...ENGINE_RULES]) this.ids.add(r.id);
  }

  fail(node: YamlNode | Pair | null | undefined, reason: string): never {
    const n = node && 'range' in node ? node : node && 'key' in node ? ((node.key as YamlNode | null) ?? (node.value as YamlNode | null)) : null;
    const off = n && 'range' in n && n.range ? n.range[0] : 0;
    throw new RulesFileError(this.file, this.lc.linePos(off).line, reason);
  }

  map(node: YamlNode | null | undefined, what: string, at?: YamlNode | Pair): YAMLMap<unknown, unknown> {
    if (!isMap(node)) this.fail(node ?? at, `${what} must be a mapping`);
    return node as YAMLMap<unknown, unknown>;
  }

  keyOf(pair: Pair): string {
    const k = pair.key;
    if (!isScalar(k) || typeof k.value !== 'string') this.fail(pair, 'keys must be plain strings');
    return (k as { value: string }).value;
  }

  checkKeys(m: YAMLMap<unknown, unknown>, allowed: readonly string[], where: string): void {
    for (const pair of m.items) {
      const k = this.keyOf(pair);
      if (!allowed.includes(k)) this.fail(pair, `unknown key '${k}' in ${where}${suggest(k, allowed)} (allowed: ${allowed.join(', ')})`);
    }
  }

  get(m: YAMLMap<unknown, unknown>, key: string): { node: YamlNode | null; pair: Pair } | null {
    for (const pair of m.items) if (isScalar(pair.key) && pair.key.value === key) return { node: pair.value as YamlNode | null, pair: pair as Pair };
    return null;
  }

  str(node: YamlNode | null, what: string, at: YamlNode | Pair): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') this.fail(node ?? at, `${what} must be a non-empty string`);
    return (node as { value: string }).value;
  }

  num(node: YamlNode | null, what: string, at: YamlNode | Pair): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) this.fail(node ?? at, `${what} must be a number`);
    return (node as { value: number }).value;
  }

  strList(node: YamlNode | null, what: string, at: YamlNode | Pair): string[] {
    if (isScalar(node) && typeof node.value === 'string') return [node.value];
    if (!isSeq(node)) this.fail(node ?? at, `${what} must be a list of strings`);
    return (node as { items: unknown[] }).items.map((it) => {
      const n = it as YamlNode;
      if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) this.fail(n, `${what}: every entry must be a string`);
      return String((n as { value: unknown }).value);
    });
  }

  root(node: YamlNode): RulesConfig {
    const m = this.map(node, 'the rules file');
    this.checkKeys(m, TOP_KEYS, 'the rules file');
    const out: RulesConfig = {};
    const lists = this.get(m, 'lists');
    if (lists && lists.node !== null) out.lists = this.lists(lists.node, lists.pair);
    const rules = this.get(m, 'rules');
    if (rules && rules.node !== null) out.overrides = this.overrides(rules.node, rules.pair);
    const custom = this.get(m, 'custom');
    if (custom && custom.node !== null) {
      if (!isSeq(custom.node)) this.fail(custom.node, "'custom' must be a list of rules");
      out.custom = (custom.node as { items: unknown[] }).items.map((it) => customRule(this.custom(it as YamlNode)));
    }
    return out;
  }

  lists(node: YamlNode, at: Pair): Partial<Record<ListName, ListEdit>> {
    const m = this.map(node, "'lists'", at);
    const out: Partial<Record<ListName, ListEdit>> = {};
    for (const pair of m.items) {
      const name = this.keyOf(pair);
      if (!isListName(name)) this.fail(pair, `unknown list '${name}'${suggest(name, LIST_NAMES)} (lists: ${LIST_NAMES.join(', ')})`);
      const v = pair.value as YamlNode | null;
      let edit: ListEdit;
      if (isSeq(v) || isScalar(v)) edit = { add: this.strList(v, `list ${name}`, pair as Pair) };
      else {
        const em = this.map(v, `list ${name}`, pair as Pair);
        this.checkKeys(em, ['add', 'remove', 'replace'], `list ${name}`);
        edit = {};
        for (const op of ['add', 'remove', 'replace'] as const) {
          const e = this.get(em, op);
          if (e) edit[op] = this.strList(e.node, `${name}.${op}`, e.pair);
        }
      }
      if (name === 'sourceIPAllowlist') {
        for (const op of ['add', 'replace'] as const) {
          for (const c of edit[op] ?? []) if (parseCidr(c) === null) this.fail((pair.value as YamlNode | null) ?? (pair as Pair), `sourceIPAllowlist: '${c}' is not a CIDR or IP address`);
        }
      }
      out[name] = edit;
    }
    return out;
  }

  overrides(node: YamlNode, at: Pair): Record<string, RuleOverride> {
    const m = this.map(node, "'rules'", at);
    const out: Record<string, RuleOverride> = {};
    const known = [...BUILTIN_RULES, ...ENGINE_RULES];
    for (const pair of m.items) {
      const id = this.keyOf(pair);
      const spec = known.find((r) => r.id === id);
      if (!spec) this.fail(pair, `unknown rule '${id}'${suggest(id, known.map((r) => r.id))}`);
      const v = pair.value as YamlNode | null;
      // `secret-read: off` / `false` is the short way to disable a rule
      if (isScalar(v) && (v.value === false || v.value === 'off' || v.value === 'disabled')) {
        out[id] = { enabled: false };
        continue;
      }
      if (isScalar(v) && (v.value === true || v.value === 'on')) {
        out[id] = { enabled: true };
        continue;
      }
      const om = this.map(v, `rule ${id}`, pair as Pair);
      const params = Object.keys(spec?.params ?? {});
      this.checkKeys(om, [...OVERRIDE_KEYS, ...params], `rule ${id}`);
      const o: RuleOverride = {};
      const en = this.get(om, 'enabled');
      if (en) {
        if (!isScalar(en.node) || typeof en.node.value !== 'boolean') this.fail(en.node ?? en.pair, 'enabled must be true or false');
        o.enabled = (en.node as { value: boolean }).value;
      }
      const sev = this.get(om, 'severity');
      if (sev) o.severity = this.severity(sev.node, sev.pair);
      // parameters may sit directly under the rule (`latencyMs: 30000`) or under `params:`
      const ps: Record<string, number> = {};
      const pm = this.get(om, 'params');
      if (pm) {
        const pmap = this.map(pm.node, `rule ${id} params`, pm.pair);
        this.checkKeys(pmap, params, `rule ${id} params`);
        for (const pp of pmap.items) ps[this.keyOf(pp)] = this.param(pp.value as YamlNode | null, pp as Pair);
      }
      for (const name of params) {
        const e = this.get(om, name);
        if (e) ps[name] = this.param(e.node, e.pair);
      }
      if (Object.keys(ps).length > 0) o.params = ps;
      out[id] = o;
    }
    return out;
  }

  param(node: YamlNode | null, at: Pair): number {
    // windows and latencies may be written as durations ("90s", "5m")
    if (isScalar(node) && typeof node.value === 'string') {
      const d = parseDuration(node.value);
      if (d === null) this.fail(node, `'${node.value}' is not a number or a duration like 30s, 5m, 1h`);
      return d as number;
    }
    const n = this.num(node, this.keyOf(at), at);
    if (n < 0) this.fail(node, `${this.keyOf(at)} must not be negative`);
    return n;
  }

  severity(node: YamlNode | null, at: Pair): Severity {
    const s = this.str(node, 'severity', at);
    if (!(SEVERITIES as readonly string[]).includes(s)) this.fail(node, `severity must be one of ${SEVERITIES.join(', ')}, not '${s}'`);
    return s as Severity;
  }

  custom(node: YamlNode): CustomRuleSpec {
    const m = this.map(node, 'a custom rule');
    this.checkKeys(m, CUSTOM_KEYS, 'a custom rule');
    const req = (k: string): { node: YamlNode | null; pair: Pair } => {
      const e = this.get(m, k);
      if (!e) this.fail(node, `custom rule is missing '${k}'`);
      return e as { node: YamlNode | null; pair: Pair };
    };
    const idE = req('id');
    const id = this.str(idE.node, 'id', idE.pair);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) this.fail(idE.node, `rule id '${id}' must be lower-case letters, digits and dashes`);
    if (this.ids.has(id)) this.fail(idE.node, `rule id '${id}' is already taken${BUILTIN_RULES.some((r) => r.id === id) ? ' by a built-in rule (change it under rules:)' : ''}`);
    this.ids.add(id);
    const sevE = req('severity');
    const titleE = req('title');
    const matchE = req('match');
    const spec: CustomRuleSpec = {
      id,
      severity: this.severity(sevE.node, sevE.pair),
      title: this.str(titleE.node, 'title', titleE.pair),
      description: '',
      match: this.cond(matchE.node, matchE.pair),
    };
    const desc = this.get(m, 'description');
    if (desc) spec.description = this.str(desc.node, 'description', desc.pair);
    const st = this.get(m, 'stage');
    if (st) {
      const s = this.str(st.node, 'stage', st.pair);
      if (!(STAGES as string[]).includes(s)) this.fail(st.node, `stage must be one of ${STAGES.join(', ')}`);
      spec.stage = s as StageGate;
    }
    const msg = this.get(m, 'message');
    if (msg) {
      const t = this.str(msg.node, 'message', msg.pair);
      for (const [, k] of t.matchAll(/\{(\w+)\}/g)) if (!MESSAGE_FIELDS.includes(k as string)) this.fail(msg.node, `unknown placeholder {${k}} in message${suggest(k as string, MESSAGE_FIELDS)}`);
      spec.message = t;
    }
    const th = this.get(m, 'threshold');
    if (th) spec.threshold = this.threshold(th.node, th.pair);
    return spec;
  }

  threshold(node: YamlNode | null, at: Pair): ThresholdSpec {
    const m = this.map(node, 'threshold', at);
    this.checkKeys(m, THRESHOLD_KEYS, 'threshold');
    const c = this.get(m, 'count');
    if (!c) this.fail(node, "threshold is missing 'count'");
    const count = this.num(c.node, 'count', c.pair);
    if (!Number.isInteger(count) || count < 1 || count > 100_000) this.fail(c.node, 'count must be a whole number from 1 to 100000');
    const w = this.get(m, 'window');
    if (!w) this.fail(node, "threshold is missing 'window' (e.g. 1m)");
    let windowMs: number;
    if (isScalar(w.node) && typeof w.node.value === 'number') windowMs = w.node.value * 1000;
    else {
      const d = parseDuration(this.str(w.node, 'window', w.pair));
      if (d === null) this.fail(w.node, 'window must be a duration like 30s, 5m, 1h');
      windowMs = d as number;
    }
    if (windowMs <= 0 || windowMs > 7 * 86_400_000) this.fail(w.node, 'window must be more than 0 and at most 7d');
    const byE = this.get(m, 'by');
    const by = byE ? this.strList(byE.node, 'by', byE.pair).map((f) => this.field(f, byE.node ?? byE.pair)) : (['user'] as Field[]);
    const t: ThresholdSpec = { count, windowMs, by };
    const d = this.get(m, 'distinct');
    if (d) t.distinct = this.field(this.str(d.node, 'distinct', d.pair), d.node ?? d.pair);
    return t;
  }

  field(name: string, at: YamlNode | Pair): Field {
    if (!ALL_FIELDS.includes(name)) this.fail(at, `unknown field '${name}'${suggest(name, ALL_FIELDS)} (fields: ${ALL_FIELDS.join(', ')})`);
    return name as Field;
  }

  cond(node: YamlNode | null, at: YamlNode | Pair): CondSpec {
    const m = this.map(node, 'match', at);
    if (m.items.length === 0) this.fail(node, 'match must have at least one condition');
    const parts: CondSpec[] = [];
    for (const pair of m.items) {
      const k = this.keyOf(pair);
      const v = pair.value as YamlNode | null;
      if (k === 'all' || k === 'any') {
        if (!isSeq(v) || v.items.length === 0) this.fail(v ?? (pair as Pair), `'${k}' must be a non-empty list of conditions`);
        const subs = (v as { items: unknown[] }).items.map((it) => this.cond(it as YamlNode, pair as Pair));
        parts.push(k === 'all' ? { all: subs } : { any: subs });
      } else if (k === 'not') parts.push({ not: this.cond(v, pair as Pair) });
      else {
        const f = this.field(k, pair as Pair);
        parts.push({ field: f, op: this.op(f, v, pair as Pair) });
      }
    }
    return parts.length === 1 ? (parts[0] as CondSpec) : { all: parts };
  }

  op(f: Field, node: YamlNode | null, at: Pair): FieldOp {
    const numeric = (NUMBER_FIELDS as readonly string[]).includes(f);
    // shorthand: a scalar means equals, a list means "in"
    if (isScalar(node)) return { equals: this.value(f, node, numeric) };
    if (isSeq(node)) return { in: node.items.map((it) => this.value(f, it as YamlNode, numeric)) };
    const m = this.map(node, `condition on ${f}`, at);
    if (m.items.length === 0) this.fail(node, `condition on ${f} is empty`);
    const ops: FieldOp[] = [];
    for (const pair of m.items) {
      const k = this.keyOf(pair);
      const v = pair.value as YamlNode | null;
      if (!OPS.includes(k)) this.fail(pair, `unknown operator '${k}' on ${f}${suggest(k, OPS)} (operators: ${OPS.join(', ')})`);
      if (NUMERIC_OPS.has(k) && !numeric) this.fail(pair, `'${k}' compares numbers; ${f} is not numeric (numeric fields: ${NUMBER_FIELDS.join(', ')})`);
      if ((k === 'prefix' || k === 'suffix' || k === 'contains' || k === 'regex' || k === 'cidr' || k === 'inList') && numeric) this.fail(pair, `'${k}' works on text; ${f} is a number`);
      switch (k) {
        case 'equals':
          if (!isScalar(v)) this.fail(v ?? (pair as Pair), 'equals takes one value');
          ops.push({ equals: this.value(f, v as YamlNode, numeric) });
          break;
        case 'in':
          if (!isSeq(v)) this.fail(v ?? (pair as Pair), "'in' takes a list (use inList: NAME for a named list)");
          ops.push({ in: (v as { items: unknown[] }).items.map((it) => this.value(f, it as YamlNode, numeric)) });
          break;
        case 'inList': {
          const name = this.str(v, 'inList', pair as Pair);
          if (!isListName(name)) this.fail(v, `unknown list '${name}'${suggest(name, LIST_NAMES)}`);
          ops.push({ inList: name as ListName });
          break;
        }
        case 'prefix':
        case 'suffix':
        case 'contains': {
          const s = this.str(v, k, pair as Pair);
          ops.push(k === 'prefix' ? { prefix: s } : k === 'suffix' ? { suffix: s } : { contains: s });
          break;
        }
        case 'regex': {
          const s = this.str(v, 'regex', pair as Pair);
          try {
            ops.push({ regex: new RegExp(s) });
          } catch (e) {
            this.fail(v, `invalid regex: ${(e as Error).message}`);
          }
          break;
        }
        case 'cidr': {
          const list = this.strList(v, 'cidr', pair as Pair);
          for (const c of list) if (parseCidr(c) === null) this.fail(v, `'${c}' is not a CIDR or IP address`);
          ops.push({ cidr: new CidrSet(list) });
          break;
        }
        case 'exists':
          if (!isScalar(v) || typeof v.value !== 'boolean') this.fail(v ?? (pair as Pair), 'exists must be true or false');
          ops.push({ exists: (v as { value: boolean }).value });
          break;
        case 'not':
          ops.push({ not: this.op(f, v, pair as Pair) });
          break;
        default: {
          const n = this.num(v, k, pair as Pair);
          ops.push(k === 'gt' ? { gt: n } : k === 'gte' ? { gte: n } : k === 'lt' ? { lt: n } : { lte: n });
        }
      }
    }
    return ops.length === 1 ? (ops[0] as FieldOp) : { allOf: ops };
  }

  value(f: Field, node: YamlNode, numeric: boolean): string | number {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') this.fail(node, `a value for ${f} must be a plain value`);
    const v = (node as { value: unknown }).value;
    if (numeric) {
      if (typeof v !== 'number') this.fail(node, `${f} is a number; '${String(v)}' is not`);
      return v as number;
    }
    const s = String(v);
    if (f === 'identity' && !(IDENTITY_KINDS as readonly string[]).includes(s)) this.fail(node, `identity is one of ${IDENTITY_KINDS.join(', ')}, not '${s}'`);
    return s;
  }
}

/** "90s", "5m", "1h", "2d", "1500ms" → ms; null when it is not one */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

/** " (did you mean 'x'?)" for a near miss (edit distance ≤ 2), else "" */
function suggest(s: string, options: readonly string[]): string {
  let best = '';
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(s.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}
