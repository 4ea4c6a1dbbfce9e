/**
 * The inspector's model of one event: its raw JSON pretty-printed as lines of typed tokens (the
 * component only colours them), with credentials redacted until the user reveals them (SPEC §4).
 *
 * Redacted:
 *  - Secret `data` / `stringData` values (keys stay visible: which keys were read matters), in a Secret,
 *    a SecretList's items, and any request/response body of a `secrets` request (merge patches too;
 *    the `value` of each JSON Patch operation); also the Secret's
 *    `kubectl.kubernetes.io/last-applied-configuration` annotation, which repeats the data;
 *  - string values under credential-like keys (`token` in TokenRequest status and TokenReview spec,
 *    password, client secret, api key, private key, …), e.g. in ConfigMaps and CRDs;
 *  - anywhere in any string: `Bearer …` / `Basic …` credentials, JWTs (service-account tokens) and
 *    PEM private keys.
 * Revealed values are still marked (kind 'revealed') so the screen can show them as sensitive.
 *
 * Every key and string is shown as JSON text with unsafe characters as `\uXXXX` escapes (see
 * escapeUnsafe): the view is valid JSON, and nothing in it can drive the terminal. Pure: no ink/react.
 */
import { redactInline, sizeNote } from '../model/credentials.js';
import { escapeUnsafe } from '../model/sanitize.js';

export { redactText } from '../model/credentials.js';

export type TokenKind = 'key' | 'string' | 'number' | 'literal' | 'punct' | 'redacted' | 'revealed' | 'plain';

export interface Token {
  kind: TokenKind;
  text: string;
}

export interface JsonLine {
  /** nesting depth (the component indents 2 columns per level) */
  depth: number;
  tokens: Token[];
}

export interface JsonView {
  lines: JsonLine[];
  /** number of values that are (or, revealed, were) redacted */
  secrets: number;
  /** lines left out past `maxLines` (huge bodies); 0 normally */
  omittedLines: number;
  /** the raw line was not valid JSON: shown as sanitised text lines */
  invalid: boolean;
}

export interface InspectOptions {
  reveal?: boolean;
  /**
   * Lines kept. A 16 MiB RequestResponse body pretty-prints to hundreds of thousands of lines; nobody
   * scrolls those on a terminal, and building them would stall the screen.
   */
  maxLines?: number;
}

const DEFAULT_MAX_LINES = 20_000;

/** Keys whose string values are credentials wherever they appear (compared lowercase, - and _ removed). */
const SENSITIVE_KEYS = new Set([
  'token',
  'idtoken',
  'accesstoken',
  'refreshtoken',
  'bearertoken',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'apikey',
  'privatekey',
  'authorization',
  'credentials',
]);
/** Key fragments that mark a credential in free-form maps (ConfigMap data, env values): DB_PASSWORD, api-token. */
const SENSITIVE_FRAGMENT = /(passw(or)?d|secret|token|api[-_]?key|private[-_]?key|credential)/i;
/** Annotation repeating a whole object, data included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function normKey(k: string): string {
  return k.toLowerCase().replace(/[-_]/g, '');
}

interface Ctx {
  reveal: boolean;
  secrets: number;
  lines: JsonLine[];
  max: number;
  omitted: number;
}

function str(s: string): string {
  return escapeUnsafe(JSON.stringify(s));
}

function pushLine(ctx: Ctx, depth: number, tokens: Token[]): void {
  if (ctx.lines.length >= ctx.max) {
    ctx.omitted++;
    return;
  }
  ctx.lines.push({ depth, tokens });
}

/** A value that must be hidden: one token, either the redaction marker or the revealed value. */
function secretToken(ctx: Ctx, value: unknown): Token {
  ctx.secrets++;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (ctx.reveal) return { kind: 'revealed', text: typeof value === 'string' ? str(value) : escapeUnsafe(text) };
  return { kind: 'redacted', text: str(`<redacted ${sizeNote(text)}>`) };
}

function scalarToken(ctx: Ctx, v: unknown): Token {
  if (typeof v === 'string') {
    const red = redactInline(v);
    if (red !== undefined) {
      ctx.secrets++;
      return ctx.reveal ? { kind: 'revealed', text: str(v) } : { kind: 'redacted', text: str(red) };
    }
    return { kind: 'string', text: str(v) };
  }
  if (typeof v === 'number') return { kind: 'number', text: Number.isFinite(v) ? String(v) : 'null' };
  return { kind: 'literal', text: v === null ? 'null' : String(v) };
}

/** What redaction applies beneath a node. */
interface Mode {
  /** this object is a Secret (its data/stringData values are hidden) */
  secretObject?: boolean;
  /** every value of this object is hidden (inside a Secret's data) */
  hideValues?: boolean;
  /** this object is a list whose items are Secrets */
  secretList?: boolean;
  /** this array is a JSON Patch of a Secret (its operations' values are hidden) */
  patchOps?: boolean;
  /** this object is one JSON Patch operation on a Secret */
  patchOp?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childMode(parent: Mode, parentObj: Record<string, unknown> | unknown[], key: string, value: unknown): Mode {
  if (isObject(value)) {
    if (value.kind === 'Secret') return { secretObject: true };
    if (value.kind === 'SecretList') return { secretList: true };
  }
  if (Array.isArray(parentObj)) {
    if (!isObject(value)) return {};
    if (parent.patchOps) return { patchOp: true };
    return parent.secretList ? { secretObject: true } : {};
  }
  if (parent.secretObject && (key === 'data' || key === 'stringData')) return { hideValues: true };
  if (key === 'items' && (parent.secretList || parentObj.kind === 'SecretList')) return { secretList: true };
  return {};
}

function mustHide(mode: Mode, key: string, value: unknown): boolean {
  if (mode.hideValues) return true;
  // {"op":"replace","path":"/data/password","value":"…"}: the value may be a string or a whole data map
  if (mode.patchOp && key === 'value') return true;
  if (typeof value !== 'string') return false;
  if (SENSITIVE_KEYS.has(normKey(key))) return true;
  // secretName, secretKeyRef, credential-id name or point at a credential; they are not one
  if (SENSITIVE_FRAGMENT.test(key) && !/(name|ref|id)$/i.test(key)) return true;
  if (key === LAST_APPLIED && (mode.secretObject || /"kind"\s*:\s*"Secret"/.test(value))) return true;
  return false;
}

function emit(ctx: Ctx, value: unknown, depth: number, prefix: Token[], comma: boolean, mode: Mode): void {
  const tail: Token[] = comma ? [{ kind: 'punct', text: ',' }] : [];
  if (Array.isArray(value) || isObject(value)) {
    const isArr = Array.isArray(value);
    const entries: [string, unknown][] = isArr ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    const open = isArr ? '[' : '{';
    const close = isArr ? ']' : '}';
    if (entries.length === 0) {
      pushLine(ctx, depth, [...prefix, { kind: 'punct', text: open + close }, ...tail]);
      return;
    }
    pushLine(ctx, depth, [...prefix, { kind: 'punct', text: open }]);
    entries.forEach(([k, v], i) => {
      if (ctx.lines.length >= ctx.max) {
        ctx.omitted++;
        return;
      }
      const last = i === entries.length - 1;
      const keyToks: Token[] = isArr ? [] : [{ kind: 'key', text: str(k) }, { kind: 'punct', text: ': ' }];
      if (!isArr && mustHide(mode, k, v)) {
        pushLine(ctx, depth + 1, [...keyToks, secretToken(ctx, v), ...(last ? [] : [{ kind: 'punct' as const, text: ',' }])]);
        return;
      }
      emit(ctx, v, depth + 1, keyToks, !last, childMode(mode, value, k, v));
    });
    pushLine(ctx, depth, [{ kind: 'punct', text: close }, ...tail]);
    return;
  }
  pushLine(ctx, depth, [...prefix, scalarToken(ctx, value), ...tail]);
}

/**
 * Pretty-print an event's raw JSON for the inspector. `raw` is the event line (AuditEvent.raw).
 * Bodies of requests on `secrets` are treated as Secrets even when the body omits `kind`.
 */
export function inspectJson(raw: string, opts: InspectOptions = {}): JsonView {
  const ctx: Ctx = { reveal: opts.reveal ?? false, secrets: 0, lines: [], max: opts.maxLines ?? DEFAULT_MAX_LINES, omitted: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // not JSON (should not happen for a decoded event): show the text, safely, still scrubbed of inline credentials
    const red = ctx.reveal ? raw : (redactInline(raw) ?? raw);
    for (const l of red.split('\n')) pushLine(ctx, 0, [{ kind: 'plain', text: escapeUnsafe(l) }]);
    return { lines: ctx.lines, secrets: red === raw ? 0 : 1, omittedLines: ctx.omitted, invalid: true };
  }
  if (isObject(parsed)) {
    const ref = isObject(parsed.objectRef) ? parsed.objectRef : {};
    if (ref.resource === 'secrets') {
      // the bodies of a secrets request are Secrets (or a list of them) even without `kind`
      const bodies: Record<string, unknown> = {};
      for (const k of ['requestObject', 'responseObject']) {
        const b = parsed[k];
        // an object (a Secret, a list, a merge patch) or an array (a JSON Patch)
        if (isObject(b) || Array.isArray(b)) bodies[k] = b;
      }
      emitEvent(ctx, parsed, bodies);
      return { lines: ctx.lines, secrets: ctx.secrets, omittedLines: ctx.omitted, invalid: false };
    }
  }
  emit(ctx, parsed, 0, [], false, {});
  return { lines: ctx.lines, secrets: ctx.secrets, omittedLines: ctx.omitted, invalid: false };
}

/** The event object of a `secrets` request: its bodies get Secret treatment. */
function emitEvent(ctx: Ctx, ev: Record<string, unknown>, bodies: Record<string, unknown>): void {
  const entries = Object.entries(ev);
  pushLine(ctx, 0, [{ kind: 'punct', text: '{' }]);
  entries.forEach(([k, v], i) => {
    const last = i === entries.length - 1;
    const keyToks: Token[] = [
      { kind: 'key', text: str(k) },
      { kind: 'punct', text: ': ' },
    ];
    const body = bodies[k];
    let mode: Mode = {};
    if (Array.isArray(body)) mode = { patchOps: true };
    else if (isObject(body)) {
      const list = body.kind === 'SecretList' || (body.kind === undefined && Array.isArray(body.items)) || (typeof body.kind === 'string' && body.kind.endsWith('List'));
      mode = list ? { secretList: true } : body.kind === undefined || body.kind === 'Secret' ? { secretObject: true } : {};
    }
    emit(ctx, v, 1, keyToks, !last, mode);
  });
  pushLine(ctx, 0, [{ kind: 'punct', text: '}' }]);
}

/**
 * Anything that may need redacting: a request on secrets, or a credential-looking key or value.
 * A cheap test that spares the full redacting walk for the (many) events that cannot hold a secret.
 */
const MAY_HOLD_SECRETS = /secret|token|passw|bearer|basic |eyJ|PRIVATE KEY|api.?key|credential/i;

/**
 * The event's JSON on one line with everything inspectJson would hide already hidden: what search
 * matches and quotes from, so a search result can never show (or test for) a secret value.
 */
export function redactedLine(raw: string): string {
  if (!MAY_HOLD_SECRETS.test(raw)) return raw;
  const v = inspectJson(raw, { maxLines: Number.MAX_SAFE_INTEGER });
  return v.lines.map((l) => l.tokens.map((t) => t.text).join('')).join(' ');
}

/** The view as plain text (what `y` copies): 2-space indent, one line per JsonLine. */
export function viewText(view: JsonView): string {
  return view.lines.map((l) => '  '.repeat(l.depth) + l.tokens.map((t) => t.text).join('')).join('\n');
}
