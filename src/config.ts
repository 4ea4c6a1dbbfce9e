/**
 * Command-line options → a validated Config. Every default is named here with the reason for it.
 * Usage mistakes throw UsageError (the CLI prints its one line plus a hint and exits 2).
 */
import { parseArgs } from 'node:util';
import { defaultSpeed, drawsScreen, OPTIONS } from './cli-options.js';
import type { FileSettings } from './config-file.js';
import { DEFAULT_MAX_LINE_BYTES } from './ingest/lines.js';
import { CONTEXT_KEYS, FILTER_KEYS, isFilterError, parseFilter } from './model/filter.js';
import { parseTimeBound, type TimeBound } from './ingest/replay/window.js';
import { PRINT_MODES, type PrintMode } from './print.js';

/** Ring capacity in requests: ~100k rows is minutes of a busy cluster and ~150 MB with their raw JSON. */
export const DEFAULT_BUFFER_EVENTS = 100_000;
/** Ring capacity in raw JSON bytes: caps memory when RequestResponse bodies make rows large. */
export const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;
/** Follow: events already in the file shown at start, so the screen is not empty on a quiet cluster. */
export const DEFAULT_BACKFILL = 1000;
/** Headless: alerts are what a script piping auditop wants by default. */
export const DEFAULT_PRINT: PrintMode = 'alerts';
/** Speed bounds: below 0.1× nothing seems to happen, above 10000× is `max` in all but name. */
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 10_000;
/** Smallest --buffer-bytes: below 1 MiB a single RequestResponse body could not be held. */
export const MIN_BUFFER_BYTES = 1024 * 1024;
/** Largest --buffer: the ring's slot array is allocated up front. */
export const MAX_BUFFER_EVENTS = 10_000_000;

/** Where kube-apiserver's audit log usually is (SPEC §1); follow mode takes the first that exists. */
export const DEFAULT_LOG_PATHS = [
  '/var/log/kubernetes/audit/audit.log',
  '/var/log/kubernetes/audit.log',
  '/var/log/kube-apiserver/audit.log',
  '/var/log/kubernetes/kube-apiserver-audit.log',
] as const;

export type Mode = 'follow' | 'replay' | 'demo';

export interface Config {
  mode: Mode;
  /** FILE/PATH arguments as given ('-' = stdin); empty in follow mode = try DEFAULT_LOG_PATHS */
  paths: string[];
  /** draw the screen (false with --no-tui or when stdout is not a TTY) */
  tui: boolean;
  print: PrintMode;
  fromStart: boolean;
  backfill: number;
  /** replay speed factor, or 'max' for no pacing */
  speed: number | 'max';
  rulesFile: string | undefined;
  bufferEvents: number;
  bufferBytes: number;
  filter: string | undefined;
  /** event-time window in ms since the epoch (--since/--until), NaN when not set */
  sinceMs: number;
  untilMs: number;
  /**
   * replay: --since/--until as given (src/ingest/replay/window.ts); relative values (-2h, +15m) count
   * from the end/start of the log and are resolved once the files are known. sinceMs/untilMs hold the
   * bounds that are absolute already (RFC 3339, now-2h), NaN otherwise.
   */
  since: TimeBound | undefined;
  until: TimeBound | undefined;
  alertsFile: string | undefined;
  color: boolean;
  ascii: boolean;
  maxLineBytes: number;
  /** from the config file (src/config-file.ts): added to the detector's protectedNamespaces list */
  protectedNamespaces: string[];
  /** from the config file: added to the detector's sourceIPAllowlist */
  allowedCidrs: string[];
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint = "Try 'auditop --help' for the options.",
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Usage hint for a bad --filter: the keys it knows. */
const FILTER_HINT = `Filter keys: ${FILTER_KEYS.map((k) => k.key).join(', ')}; e.g. --filter "user:alice verb:delete,patch ns:prod code:>=400".`;

/** What the environment contributes (injected so tests do not depend on the terminal). */
export interface ConfigEnv {
  stdoutIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** wall clock for relative --since/--until, ms */
  now: number;
  /**
   * Reads the settings file (--config FILE, else $XDG_CONFIG_HOME/auditop/config.yaml); null when
   * there is none. Throws ConfigFileError. Absent (tests) = no settings file.
   */
  loadSettings?: (configFlag: string | undefined) => FileSettings | null;
}


export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; config: Config };

/** Parse argv (without node and the script). Throws UsageError. */
export function parseCommandLine(argv: string[], cenv: ConfigEnv): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const settings = cenv.loadSettings?.(typeof v.config === 'string' ? v.config : undefined) ?? {};
  // The settings file only fills in what the command line left unset: flags given win.
  return { kind: 'run', config: resolveConfig(parsed.positionals, { ...settingsAsOptions(settings), ...v }, cenv, settings) };
}

/** Config-file settings as the option values they stand for (src/config-file.ts has validated them). */
function settingsAsOptions(s: FileSettings): Values {
  const o: Values = {};
  if (s.rules !== undefined) o.rules = s.rules;
  if (s.buffer !== undefined) o.buffer = String(s.buffer);
  if (s.bufferBytes !== undefined) o['buffer-bytes'] = String(s.bufferBytes);
  if (s.color === false) o['no-color'] = true;
  if (s.ascii === true) o.ascii = true;
  return o;
}

/** `--since -2h` reads naturally; parseArgs would take "-2h" for an option, so join it as `--since=-2h`. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if ((a === '--since' || a === '--until') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function usageMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const msg = err instanceof Error ? err.message : String(err);
  const opt = /'(-[^']*)'/.exec(msg)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt) return `unknown option '${opt}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && opt) {
    const name = opt.split(' ')[0] as string;
    if (msg.includes('argument missing')) return `option '${name}' needs a value`;
    if (msg.includes('ambiguous')) return `option '${name}' needs a value (for one starting with '-', write ${name}=VALUE)`;
    return `option '${name}' takes no value`;
  }
  return msg.split('\n')[0] ?? msg;
}

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean>>;

export function resolveConfig(positionals: string[], v: Values, cenv: ConfigEnv, settings: FileSettings = {}): Config {
  let mode: Mode = 'follow';
  let paths = positionals;
  if (positionals[0] === 'replay') {
    mode = 'replay';
    paths = positionals.slice(1);
    if (paths.length === 0) throw new UsageError('replay needs at least one PATH (a file, a directory or a .gz)', "Example: auditop replay /var/log/kubernetes/audit/ --speed 100");
  } else if (positionals[0] === 'demo') {
    mode = 'demo';
    paths = positionals.slice(1);
    if (paths.length > 0) throw new UsageError(`demo takes no PATH (got '${paths[0]}')`);
  }
  if (mode === 'follow' && paths.filter((p) => p === '-').length > 1) throw new UsageError("standard input ('-') can be read only once");

  const str = (k: keyof typeof OPTIONS): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const flag = (k: keyof typeof OPTIONS): boolean => v[k] === true;

  const printRaw = str('print');
  const tui = drawsScreen(flag('no-tui'), cenv.stdoutIsTTY, printRaw);

  let print: PrintMode = DEFAULT_PRINT;
  if (printRaw !== undefined) {
    if (!(PRINT_MODES as readonly string[]).includes(printRaw)) throw new UsageError(`--print must be one of ${PRINT_MODES.join(', ')} (got '${printRaw}')`);
    print = printRaw as PrintMode;
  }

  const speedRaw = str('speed');
  // (prestart.ts uses the same defaultSpeed to decide on an early decode worker)
  let speed = defaultSpeed(tui);
  if (speedRaw !== undefined) {
    if (mode !== 'replay') throw new UsageError('--speed applies to replay (auditop replay PATH --speed N)');
    speed = parseSpeed(speedRaw);
  }

  const backfillRaw = str('backfill');
  if (mode === 'replay' && (backfillRaw !== undefined || flag('from-start'))) {
    throw new UsageError(`${flag('from-start') ? '--from-start' : '--backfill'} applies to follow mode; replay always reads from the start`);
  }
  const backfill = backfillRaw === undefined ? DEFAULT_BACKFILL : parseCount('--backfill', backfillRaw, 0, Number.MAX_SAFE_INTEGER);

  const sinceRaw = str('since');
  const untilRaw = str('until');
  if (mode === 'follow' && (sinceRaw !== undefined || untilRaw !== undefined)) {
    throw new UsageError(`${sinceRaw !== undefined ? '--since' : '--until'} applies to replay (auditop replay PATH --since -2h)`);
  }
  const since = sinceRaw === undefined ? undefined : parseBound('--since', sinceRaw);
  const until = untilRaw === undefined ? undefined : parseBound('--until', untilRaw);
  const sinceMs = absoluteMs(since, cenv.now);
  const untilMs = absoluteMs(until, cenv.now);
  // Bounds counted from the same end of the log compare before the log is read (-1h vs -2h).
  const sameBase = since?.kind === 'log' && until?.kind === 'log' && since.from === until.from;
  if (sinceMs > untilMs || (sameBase && since.offsetMs > until.offsetMs)) {
    throw new UsageError('--since is after --until: nothing would be replayed');
  }

  const bufferRaw = str('buffer');
  const bufferEvents = bufferRaw === undefined ? DEFAULT_BUFFER_EVENTS : parseCount('--buffer', bufferRaw, 1, MAX_BUFFER_EVENTS);
  const bbRaw = str('buffer-bytes');
  const bufferBytes = bbRaw === undefined ? DEFAULT_BUFFER_BYTES : parseSize('--buffer-bytes', bbRaw);
  if (bufferBytes < MIN_BUFFER_BYTES) throw new UsageError(`--buffer-bytes must be at least 1M (got '${bbRaw}')`);

  const filter = str('filter');
  if (filter !== undefined && filter.trim() === '') throw new UsageError('--filter needs an expression, e.g. --filter "user:alice verb:delete"');
  if (filter !== undefined) {
    const f = parseFilter(filter);
    if (isFilterError(f)) throw new UsageError(`--filter: ${f.reason} at column ${f.position + 1} of '${filter}'`, FILTER_HINT);
    // --filter runs before detection, so it cannot know which requests raise alerts
    const ctxTerm = f.terms.find((t) => CONTEXT_KEYS.has(t.key));
    if (ctxTerm) throw new UsageError(`--filter: '${ctxTerm.key}:' selects requests by their alerts, which are raised after --filter runs; use it in the screen's f filter`, FILTER_HINT);
  }

  const noColor = flag('no-color') || (cenv.env.NO_COLOR !== undefined && cenv.env.NO_COLOR !== '');
  const locale = cenv.env.LC_ALL || cenv.env.LC_CTYPE || cenv.env.LANG || '';
  return {
    mode,
    paths,
    tui,
    print,
    fromStart: flag('from-start'),
    backfill,
    speed,
    rulesFile: nonEmpty('--rules', str('rules')),
    bufferEvents,
    bufferBytes,
    filter,
    sinceMs,
    untilMs,
    since,
    until,
    alertsFile: nonEmpty('--alerts-file', str('alerts-file')),
    color: !noColor && cenv.stdoutIsTTY,
    // box-drawing glyphs need a UTF-8 locale; with none set, assume a modern terminal
    ascii: flag('ascii') || (locale !== '' && !/utf-?8/i.test(locale)),
    maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    protectedNamespaces: settings.protectedNamespaces ?? [],
    allowedCidrs: settings.allowedCidrs ?? [],
  };
}

function nonEmpty(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === '') throw new UsageError(`${name} needs a file name`);
  return v;
}

export function parseSpeed(raw: string): number | 'max' {
  if (raw === 'max') return 'max';
  const n = /^\d+(\.\d+)?x?$/.test(raw) ? Number.parseFloat(raw) : NaN;
  if (!Number.isFinite(n) || n < MIN_SPEED || n > MAX_SPEED) {
    throw new UsageError(`--speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}, or max (got '${raw}')`);
  }
  return n;
}

function parseCount(name: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.replace(/_/g, '')) ? Number(raw.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "256M" → bytes. Suffixes k, M, G are powers of 1024 (an optional trailing B or iB is accepted). */
export function parseSize(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(raw.trim());
  const n = m ? Number.parseFloat(m[1] as string) * (SIZE_UNITS[(m[2] as string).toLowerCase()] as number) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1024 ** 4) throw new UsageError(`${name} must be a size like 64M or 1G (got '${raw}')`);
  return Math.floor(n);
}

const REL_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** RFC 3339 ("2026-11-21T10:00:00Z") or relative to now ("-2h", "-30m", "-1d", "-90s"). */
/** A --since/--until value (replay's forms, src/ingest/replay/window.ts). Throws UsageError. */
function parseBound(name: string, raw: string): TimeBound {
  const b = parseTimeBound(raw);
  if (typeof b === 'string') {
    throw new UsageError(`${name} must be an RFC 3339 time (2026-11-21T10:00:00Z) or relative: -2h back from the log's end, +15m from its start, now-2h (got '${raw}')`);
  }
  return b;
}

/** The bound in ms when it does not depend on the log (RFC 3339, now-…), else NaN. */
function absoluteMs(b: TimeBound | undefined, now: number): number {
  if (b?.kind === 'absolute') return b.ms;
  if (b?.kind === 'now') return now + b.offsetMs;
  return NaN;
}

export function parseTime(name: string, raw: string, now: number): number {
  const rel = /^-(\d+(?:\.\d+)?)([smhd])$/.exec(raw.trim());
  if (rel) return now - Number.parseFloat(rel[1] as string) * (REL_UNITS[rel[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(raw.trim())) {
    const t = Date.parse(raw.trim());
    if (Number.isFinite(t)) return t;
  }
  throw new UsageError(`${name} must be an RFC 3339 time (2026-11-21T10:00:00Z) or relative (-2h, -30m) (got '${raw}')`);
}
