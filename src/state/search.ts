/**
 * Search over the buffered requests (the Engine's ring of RequestRow), as you type.
 *
 * Measured on these machines (issue 5): fuse.js over 100k whole events costs ~3.7 s per query and a
 * Fuse index kept in step with the ring costs ~2.9 ms per eviction, so neither is used. Instead:
 *
 *  1. fuzzy:   the query is parsed with the filter syntax (src/model/filter.ts): structured terms
 *              (`user:alice ns:prod code:>=400`) and free words. A free word of 4+ letters that occurs
 *              nowhere verbatim is looked up in the *vocabulary* of distinct field values (users,
 *              namespaces, names, resources, agents, IPs: thousands, not 100k): a q-gram count filter
 *              keeps the few values that can be within its typo budget, Fuse ranks those.
 *  2. fields:  one scan, newest first: a row matches when the structured terms hold and every free
 *              word is a substring of its compact lowercase field string, or (a typo) one of its
 *              fields is a close value of that word. Exact matches are listed before typo matches.
 *              Stops when the list is full.
 *  3. raw:     if the list is still not full, free words are looked for in the raw JSON (bodies,
 *              images, annotations), newest first, in the background.
 *
 * All phases run in slices of a few ms with `setImmediate` between them, so keystrokes and frames are
 * never held up; a new query cancels the running one. Nothing has to be kept in step with the ring:
 * the field strings are cached by ring slot (an evicted row's slot is simply reused), the vocabulary
 * grows with new rows only (O(new rows)) and is rebuilt from the ring when it outgrows its cap, and a
 * stale value only costs a lookup that finds no row. Pure state code: no ink/react.
 */
import Fuse from 'fuse.js';
import type { AuditEvent } from '../model/event.js';
import { eventHaystack, FilterError, isFilterError, MATCH_ALL, parseFilter, type Filter, type FilterContext } from '../model/filter.js';
import { sanitize } from '../model/sanitize.js';
import { redactedLine } from './redact.js';
import type { RequestRow } from '../model/types.js';

/** What the search needs from the Engine's `rows` ring (Ring<RequestRow> satisfies it). */
export interface RowSource {
  readonly size: number;
  /** 0 = oldest */
  at(i: number): RequestRow | undefined;
}

/** Fields a result row shows and highlights are computed for (sanitised values, see `fieldText`). */
export const HIT_FIELDS = ['user', 'verb', 'resource', 'namespace', 'name', 'sourceIP', 'userAgent', 'code', 'uri'] as const;
export type HitField = (typeof HIT_FIELDS)[number];
export type Range = [start: number, end: number];

export interface SearchHit {
  row: RequestRow;
  /** 'field': words found in the event's fields; 'fuzzy': close to a field value (typo); 'raw': only in the raw JSON */
  kind: 'field' | 'fuzzy' | 'raw';
  /** highlight ranges (UTF-16 offsets, end exclusive) in `fieldText(row.ev, field)` */
  highlights: Partial<Record<HitField, Range[]>>;
  /**
   * for 'raw' hits: a sanitised excerpt of the raw JSON around the first match and its ranges;
   * cutStart/cutEnd say whether the raw text goes on before/after (the pane draws its ellipsis)
   */
  snippet?: { text: string; ranges: Range[]; cutStart: boolean; cutEnd: boolean };
  /** for 'fuzzy' hits: how far the closest field value is from the words (Fuse score, 0 = exact) */
  score?: number;
}

export interface SearchState {
  query: string;
  /** newest first within each kind; kinds in the order field, raw, fuzzy; at most `limit` */
  hits: SearchHit[];
  phase: 'fields' | 'fuzzy' | 'raw' | 'done';
  /** rows looked at so far in the current phase */
  scanned: number;
  /** rows in the buffer when the search started */
  total: number;
  /** the list reached the limit (there may be more matches: show "500+") */
  full: boolean;
  /** the query did not parse; the search ran without the offending term */
  error?: FilterError;
  /** ms from the keystroke to the field and fuzzy results (what the user waits for) */
  resultsMs?: number;
  /** ms from the keystroke to the end of all phases */
  elapsedMs: number;
}

export interface SearchOptions {
  /** maximum results kept (the pane scrolls through them) */
  limit?: number;
  /**
   * Time budget of one slice, ms. 8 ms leaves room for Ink's 20–30 ms frame at 15 fps and input
   * handling between slices while 100k rows still scan in a handful of slices.
   */
  sliceMs?: number;
  /** schedules the next slice; setImmediate by default (tests pass a manual queue) */
  schedule?: (fn: () => void) => void;
  /** clock, ms */
  now?: () => number;
  /** what is known of a row's alerts (for alert:/rule: terms); default: the row's own severity */
  context?: (row: RequestRow) => FilterContext;
}

/** The sanitised text of a field as the search pane shows it; highlight ranges index into this. */
export function fieldText(ev: AuditEvent, f: HitField): string {
  switch (f) {
    case 'code':
      return ev.code ? String(ev.code) : '';
    case 'resource':
      return sanitize(ev.subresource ? `${ev.resource}/${ev.subresource}` : ev.resource);
    default:
      return sanitize(ev[f]);
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Compact lowercase field strings, cached by ring slot: slot = seq & mask, valid while the slot still
 * holds the same event object (a later stage of the request is a new object; an evicted row's slot is
 * simply overwritten by a newer seq). An array index and one compare per row, against ~80 ns for a
 * WeakMap lookup, and no removal work when the ring evicts.
 */
export class HaystackCache {
  private evs: (AuditEvent | undefined)[] = [];
  private hays: string[] = [];
  private mask = -1;

  /** Make room for `rows` buffered rows (power of two ≥ rows, so seqs of buffered rows never collide). */
  reserve(rows: number): void {
    if (rows <= this.mask + 1) return;
    let cap = 1024;
    while (cap < rows) cap *= 2;
    const oldEvs = this.evs;
    const oldHays = this.hays;
    this.evs = new Array<AuditEvent | undefined>(cap);
    this.hays = new Array<string>(cap);
    this.mask = cap - 1;
    // entries cannot be re-slotted without their seq; they are rebuilt lazily (only on growth)
    void oldEvs;
    void oldHays;
  }

  get(row: RequestRow): string {
    const i = row.seq & this.mask;
    const ev = row.ev;
    if (this.evs[i] === ev) return this.hays[i]!;
    const h = eventHaystack(ev);
    if (this.mask >= 0) {
      this.evs[i] = ev;
      this.hays[i] = h;
    }
    return h;
  }
}

/** Fields whose distinct values form the fuzzy vocabulary. */
const VOCAB_FIELDS = ['user', 'impersonatedUser', 'namespace', 'name', 'resource', 'verb', 'userAgent', 'sourceIP'] as const;
type VocabField = (typeof VOCAB_FIELDS)[number];
/** Getters in VOCAB_FIELDS order: a monomorphic call per field instead of a keyed property load. */
const VOCAB_GETTERS: ((ev: AuditEvent) => string)[] = [
  (e) => e.user,
  (e) => e.impersonatedUser,
  (e) => e.namespace,
  (e) => e.name,
  (e) => e.resource,
  (e) => e.verb,
  (e) => e.userAgent,
  (e) => e.sourceIP,
];
const VOCAB_TO_HIT: Record<VocabField, HitField | undefined> = {
  user: 'user',
  impersonatedUser: undefined,
  namespace: 'namespace',
  name: 'name',
  resource: 'resource',
  verb: 'verb',
  userAgent: 'userAgent',
  sourceIP: 'sourceIP',
};

/** Longest field value kept in the vocabulary (user agents are ~40–80 characters). */
const MAX_VOCAB_VALUE = 256;
/** Above this many distinct values the vocabulary is rebuilt from the ring (drops evicted values). */
const VOCAB_CAP = 60_000;
/** Close values kept per word: enough for typos of a name family, few enough to scan rows quickly. */
const FUZZY_PER_WORD = 64;
/**
 * Fuse costs ~1.7 µs per value per word here; candidates are fed to it in chunks of this size so one
 * slice stays within a few ms.
 */
const FUSE_CHUNK = 2048;

/**
 * Typos tolerated in a word of `m` characters: none below 4 (too many accidental neighbours), one up
 * to 6, two up to 12, then one per 5 characters (at most 5).
 */
export function maxTypos(m: number): number {
  if (m < 4) return 0;
  if (m <= 6) return 1;
  if (m <= 12) return 2;
  return Math.min(5, Math.floor(m / 5));
}

/**
 * The 2-grams of a lowercase word, repeats included: the count filter's bound counts positions of the
 * word (a word with "nn" twice needs both counted, or the bound drops true matches).
 */
function bigrams(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < w.length; i++) out.push(w.slice(i, i + 2));
  return out;
}

/**
 * Distinct field values of the buffered rows, grown incrementally as rows arrive.
 *
 * A fuzzy lookup first applies the q-gram count filter (a string within k edits of a word of length m
 * contains at least (m−1)−2k of its 2-grams, so nothing Fuse would accept is dropped), which leaves a
 * few hundred of tens of thousands of values, then ranks those with Fuse.
 */
export class Vocabulary {
  private readonly index = new Map<string, number>(); // value → position in values/lowers
  private values: string[] = [];
  private lowers: string[] = [];
  private seqs: number[] = []; // seq of the newest row holding the value
  private masks: number[] = []; // bit i set: the value occurs in VOCAB_FIELDS[i]
  /** highest row seq folded in */
  private lastSeq = -1;

  get size(): number {
    return this.values.length;
  }

  /** Fold in rows newer than the last update (at most `budgetRows`); returns the rows looked at. */
  update(src: RowSource, budgetRows = Infinity): number {
    let start = src.size;
    // rows are in seq order: walk back to the first row we have not seen
    while (start > 0 && (src.at(start - 1)?.seq ?? -1) > this.lastSeq) start--;
    const end = Math.min(src.size, start + budgetRows);
    for (let i = start; i < end; i++) {
      const row = src.at(i);
      if (!row) continue;
      const ev = row.ev;
      for (let f = 0; f < VOCAB_FIELDS.length; f++) this.note(ev[VOCAB_FIELDS[f]!], row.seq, 1 << f);
      if (row.seq > this.lastSeq) this.lastSeq = row.seq;
    }
    if (this.values.length > VOCAB_CAP) this.rebuild(src);
    return end - start;
  }

  /** True when rows newer than the vocabulary exist. */
  behind(src: RowSource): boolean {
    return (src.at(src.size - 1)?.seq ?? -1) > this.lastSeq;
  }

  /** Seq of the newest row folded in. */
  get seenSeq(): number {
    return this.lastSeq;
  }

  private note(v: string, seq: number, mask: number): void {
    // a typo is looked for in names, not in long strings (a huge user agent would also make every
    // lookup that ranks it slow): those are still found by substring, just not by typo
    if (v === '' || v.length > MAX_VOCAB_VALUE) return;
    const at = this.index.get(v);
    if (at !== undefined) {
      this.seqs[at] = seq;
      this.masks[at]! |= mask;
      return;
    }
    this.index.set(v, this.values.length);
    this.values.push(v);
    this.lowers.push(v.toLowerCase());
    this.seqs.push(seq);
    this.masks.push(mask);
  }

  /** Keep the newest half of the values still held by buffered rows. */
  private rebuild(src: RowSource): void {
    const oldestSeq = src.at(0)?.seq ?? 0;
    const keep = this.values
      .map((v, i) => [v, this.seqs[i]!, this.masks[i]!] as const)
      .filter(([, seq]) => seq >= oldestSeq)
      .sort((a, b) => a[1] - b[1])
      .slice(-VOCAB_CAP / 2);
    this.index.clear();
    this.values = [];
    this.lowers = [];
    this.seqs = [];
    this.masks = [];
    for (const [v, seq, mask] of keep) this.note(v, seq, mask);
  }

  /** True when some value holds `word` (lowercase) verbatim. */
  containsSubstring(word: string): boolean {
    for (const v of this.lowers) if (v.includes(word)) return true;
    return false;
  }

  /**
   * Prefilter: positions from `from` on whose value could be within `maxTypos` of `word`, scanning at
   * most `budget` values. Returns the next position to continue from.
   */
  candidates(word: string, from: number, budget: number, out: number[]): number {
    const k = maxTypos(word.length);
    const grams = bigrams(word);
    const need = word.length - 1 - 2 * k;
    const end = Math.min(this.values.length, from + budget);
    for (let i = from; i < end; i++) {
      const v = this.lowers[i]!;
      if (v.length < word.length - k) continue;
      if (need <= 0) {
        out.push(i);
        continue;
      }
      let shared = 0;
      for (const g of grams) if (v.includes(g) && ++shared >= need) break;
      if (shared >= need) out.push(i);
    }
    return end;
  }

  /** Rank candidate positions with Fuse; values within the word's typo budget, best first. */
  rank(word: string, positions: number[]): { value: string; mask: number; score: number; ranges: Range[] }[] {
    if (positions.length === 0) return [];
    const k = maxTypos(word.length);
    const fuse = new Fuse(
      positions.map((i) => this.values[i]!),
      {
        // bitap's score is errors / length once location is ignored: this admits k errors
        threshold: (k + 0.5) / word.length,
        // values are short and a typo can be anywhere in them
        ignoreLocation: true,
        includeScore: true,
        includeMatches: true,
        // one- or two-letter coincidences are noise for highlighting
        minMatchCharLength: Math.min(3, word.length),
      },
    );
    return fuse.search(word, { limit: FUZZY_PER_WORD }).map((r) => ({
      value: r.item,
      mask: this.masks[positions[r.refIndex]!]!,
      score: r.score ?? 1,
      ranges: (r.matches?.[0]?.indices ?? []).map(([a, b]) => [a, b + 1] as Range),
    }));
  }
}

// ---------------------------------------------------------------------------------------------

/** All occurrences of `word` (lowercase) in `text`, case-insensitively. */
function occurrences(text: string, word: string, out: Range[]): void {
  if (word === '') return;
  const lower = text.toLowerCase();
  // toLowerCase can change length for a few characters (İ); then ranges would drift, so skip them
  if (lower.length !== text.length) return;
  let i = lower.indexOf(word);
  while (i >= 0) {
    out.push([i, i + word.length]);
    i = lower.indexOf(word, i + word.length);
  }
}

/** Which hit field a structured filter key highlights in full. */
const KEY_TO_FIELD: Record<string, HitField | undefined> = {
  user: 'user',
  verb: 'verb',
  resource: 'resource',
  subresource: 'resource',
  ns: 'namespace',
  name: 'name',
  ip: 'sourceIP',
  ua: 'userAgent',
  code: 'code',
  uri: 'uri',
};

function highlightsFor(ev: AuditEvent, filter: Filter, words: readonly string[]): Partial<Record<HitField, Range[]>> {
  const out: Partial<Record<HitField, Range[]>> = {};
  for (const f of HIT_FIELDS) {
    const ranges: Range[] = [];
    const text = fieldText(ev, f);
    for (const w of words) occurrences(text, w, ranges);
    if (ranges.length) out[f] = ranges;
  }
  for (const t of filter.terms) {
    if (t.negate) continue;
    const f = KEY_TO_FIELD[t.key];
    if (!f || out[f]) continue;
    const len = fieldText(ev, f).length;
    if (len) out[f] = [[0, len]];
  }
  return out;
}

/** Raw text kept around a match: little before it, so the match stays visible in a narrow column. */
const SNIPPET_BEFORE = 12;
const SNIPPET_AFTER = 60;

function rawSnippet(raw: string, re: RegExp, words: readonly string[]): SearchHit['snippet'] {
  const m = re.exec(raw);
  if (!m) return undefined;
  const from = Math.max(0, m.index - SNIPPET_BEFORE);
  const to = Math.min(raw.length, m.index + m[0].length + SNIPPET_AFTER);
  const text = sanitize(raw.slice(from, to));
  const ranges: Range[] = [];
  for (const w of words) occurrences(text, w, ranges);
  return { text, ranges, cutStart: from > 0, cutEnd: to < raw.length };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Parse a search query leniently: while typing, `user:` or `code:>=` is briefly invalid; the search
 * then runs without the offending term (and reports the error) instead of blanking the list.
 */
export function parseQuery(query: string): { filter: Filter; error?: FilterError } {
  let q = query;
  let first: FilterError | undefined;
  for (let tries = 0; tries < 8; tries++) {
    const r = parseFilter(q);
    if (!isFilterError(r)) return first ? { filter: r, error: first } : { filter: r };
    first ??= r;
    // blank out the whitespace-delimited token holding the error position and retry
    let a = Math.min(r.position, q.length);
    let b = a;
    while (a > 0 && !/\s/.test(q[a - 1]!)) a--;
    while (b < q.length && !/\s/.test(q[b]!)) b++;
    if (b === a) b = q.length;
    q = q.slice(0, a) + ' '.repeat(b - a) + q.slice(b);
  }
  return { filter: MATCH_ALL, error: first! };
}

// ---------------------------------------------------------------------------------------------

export interface SearchJob {
  readonly query: string;
  cancel(): void;
  readonly done: boolean;
}

/**
 * One searcher per screen. `search(query, onUpdate)` cancels the running search and starts a new one;
 * `onUpdate` receives a fresh SearchState after every slice that changed something and once at the end.
 */
export class Searcher {
  readonly vocabulary = new Vocabulary();
  private readonly hay = new HaystackCache();
  private warmSeq = -1;
  private current: { cancelled: boolean; done: boolean } | undefined;
  private readonly limit: number;
  private readonly sliceMs: number;
  private readonly schedule: (fn: () => void) => void;
  private readonly now: () => number;
  private readonly context: (row: RequestRow) => FilterContext;

  constructor(
    private readonly source: () => RowSource,
    opts: SearchOptions = {},
  ) {
    this.limit = opts.limit ?? 500;
    this.sliceMs = opts.sliceMs ?? 8;
    this.schedule = opts.schedule ?? ((fn) => setImmediate(fn));
    this.now = opts.now ?? (() => performance.now());
    this.context = opts.context ?? ((row) => ({ severity: row.alert }));
  }

  /**
   * Fold rows that arrived since the last call into the caches (haystacks, vocabulary), for at most
   * `budgetMs`. Called by the store on its ~10 Hz flush, this keeps the first keystroke as fast as the
   * others: the cost is proportional to new rows (~2 µs each), never to the buffer.
   */
  warm(budgetMs = 4): void {
    const src = this.source();
    this.hay.reserve(src.size);
    const deadline = this.now() + budgetMs;
    let i = src.size;
    while (i > 0 && (src.at(i - 1)?.seq ?? -1) > this.warmSeq) i--;
    for (let n = 0; i < src.size; i++, n++) {
      const row = src.at(i);
      if (!row) continue;
      this.hay.get(row);
      this.warmSeq = row.seq;
      if ((n & 255) === 255 && this.now() >= deadline) break;
    }
    if (this.vocabulary.behind(src) && this.now() < deadline) this.vocabulary.update(src, 4_000);
  }

  cancel(): void {
    if (this.current) this.current.cancelled = true;
    this.current = undefined;
  }

  /**
   * Start searching. `viewFilter` is the active `f` filter: search only looks at rows the user can see.
   */
  search(query: string, onUpdate: (s: SearchState) => void, viewFilter: Filter = MATCH_ALL): SearchJob {
    this.cancel();
    const token = { cancelled: false, done: false };
    this.current = token;
    const t0 = this.now();
    const { filter, error } = parseQuery(query);
    const structured = filter.terms.filter((t) => t.key !== 'text').map((t) => t.test);
    const words = filter.terms.filter((t) => t.key === 'text' && !t.negate).map((t) => t.values[0]!.toLowerCase());
    const notWords = filter.terms.filter((t) => t.key === 'text' && t.negate).map((t) => t.values[0]!.toLowerCase());
    const limit = this.limit;
    const vocab = this.vocabulary;

    const fieldHits: SearchHit[] = [];
    const rawHits: SearchHit[] = [];
    const fuzzyHits: SearchHit[] = [];
    const taken = new Set<number>(); // seqs already in the list
    // typo lookups first (they decide what the one scan looks for); skipped for short words
    let phase: SearchState['phase'] = words.some((w) => maxTypos(w.length) > 0) ? 'fuzzy' : 'fields';
    let scanned = 0;
    let resultsMs: number | undefined;
    const total = this.source().size;
    const hay = this.hay;
    hay.reserve(total);
    const needsContext = filter.needsContext || viewFilter.needsContext;
    const context = this.context;

    const rowOk = (row: RequestRow): boolean => {
      const ev = row.ev;
      const ctx = needsContext ? context(row) : undefined;
      for (const s of structured) if (!s(ev, ctx)) return false;
      if (!viewFilter.empty && !viewFilter.test(ev, ctx)) return false;
      if (notWords.length) {
        const h = hay.get(row);
        for (const w of notWords) if (h.includes(w)) return false;
      }
      return true;
    };

    const emit = (): void => {
      if (token.cancelled) return;
      // typo matches: the closest values first (a typo most likely meant the nearest name), newest
      // first among equally close ones (the sort is stable and they were found newest first)
      const fuzzySorted = fuzzyHits.length > 1 ? [...fuzzyHits].sort((a, b) => (a.score ?? 1) - (b.score ?? 1)) : fuzzyHits;
      const hits = fieldHits.concat(rawHits, fuzzySorted).slice(0, limit);
      const state: SearchState = {
        query,
        hits,
        phase,
        scanned,
        total,
        full: fieldHits.length + rawHits.length + fuzzyHits.length >= limit,
        elapsedMs: this.now() - t0,
      };
      if (error) state.error = error;
      if (resultsMs !== undefined) state.resultsMs = resultsMs;
      onUpdate(state);
    };

    // A newest-first cursor over the ring that survives pushes and evictions between slices:
    // positions are re-derived from the seq of the last row looked at.
    let cursorSeq = Infinity;
    const scanSlice = (visit: (row: RequestRow) => boolean): boolean => {
      // true when the scan reached the oldest row or visit asked to stop; false when the slice is used up
      const src = this.source();
      let i = indexBelowSeq(src, cursorSeq);
      const deadline = this.now() + this.sliceMs;
      let n = 0;
      for (; i >= 0; i--) {
        const row = src.at(i);
        if (!row) continue;
        cursorSeq = row.seq;
        scanned++;
        if (!visit(row)) return true;
        // reading the clock costs ~50 ns; every 256 rows keeps that negligible
        if ((++n & 255) === 0 && this.now() >= deadline) return false;
      }
      return true;
    };

    // --- phase 'fuzzy': which words get typo tolerance, and their close values -------------------
    // A word found verbatim in the vocabulary is not a typo and gets no lookup: this keeps every
    // prefix of a word being typed ("mal", "mall", …) on the fast path.
    let lookupWords: number[] | undefined; // indexes into words
    let lookupAt = 0; // position in lookupWords
    let vocabPos = 0; // prefilter position in the vocabulary
    const cands: number[] = []; // prefilter survivors for the current word
    let candPos = 0; // survivors ranked so far
    const wordClose: (Map<string, { score: number; ranges: Range[] }> | undefined)[] = words.map(() => undefined);
    const wordMask: number[] = words.map(() => 0); // fields the close values occur in (bit per VOCAB_FIELDS)

    // the vocabulary is brought up to the rows buffered when the search started, not further: under
    // heavy ingest new rows arrive between any two slices, and chasing them would never finish
    const vocabTarget = total > 0 ? (this.source().at(total - 1)?.seq ?? -1) : -1;
    const lookupSlice = (): boolean => {
      // true when all lookups are done
      const src = this.source();
      if (vocab.seenSeq < vocabTarget && vocab.behind(src)) {
        // the first use folds in the whole buffer (~8k rows, 64k field values, a few ms per slice);
        // afterwards warm() keeps it current
        vocab.update(src, 8_000);
        return false;
      }
      lookupWords ??= words.flatMap((w, k) => (maxTypos(w.length) > 0 && !vocab.containsSubstring(w) ? [k] : []));
      const deadline = this.now() + this.sliceMs;
      // the clock is read after each unit of work, so every slice makes progress however short it is
      while (lookupAt < lookupWords.length) {
        const k = lookupWords[lookupAt]!;
        const w = words[k]!;
        if (vocabPos < vocab.size) {
          // q-gram prefilter, ~30k values per call is ~2 ms
          vocabPos = vocab.candidates(w, vocabPos, 30_000, cands);
          if (this.now() >= deadline) return false;
          continue;
        }
        const m = (wordClose[k] ??= new Map());
        const chunk = cands.slice(candPos, candPos + FUSE_CHUNK);
        candPos += chunk.length;
        for (const c of vocab.rank(w, chunk)) {
          const prev = m.get(c.value);
          if (!prev || prev.score > c.score) m.set(c.value, { score: c.score, ranges: c.ranges });
          wordMask[k]! |= c.mask;
        }
        if (candPos >= cands.length) {
          if (m.size > FUZZY_PER_WORD) wordClose[k] = new Map([...m].sort((x, y) => x[1].score - y[1].score).slice(0, FUZZY_PER_WORD));
          if (m.size === 0) wordClose[k] = undefined;
          lookupAt++;
          vocabPos = 0;
          candPos = 0;
          cands.length = 0;
        }
        if (lookupAt < lookupWords.length && this.now() >= deadline) return false;
      }
      return true;
    };

    // --- phase 'fields': one newest-first scan; exact rows and typo rows in two lists ---------------
    const matchedField: number[] = words.map(() => -1); // reused per row: no allocation while scanning
    const visitRow = (row: RequestRow): boolean => {
      if (!rowOk(row)) return true;
      const ev = row.ev;
      let fuzzyUsed = false;
      if (words.length) {
        const h = hay.get(row);
        for (let k = 0; k < words.length; k++) {
          matchedField[k] = -1;
          if (h.includes(words[k]!)) continue;
          const close = wordClose[k];
          if (close === undefined) return true;
          const mask = wordMask[k]!;
          for (let fi = 0; fi < VOCAB_GETTERS.length; fi++) {
            if ((mask & (1 << fi)) !== 0 && close.has(VOCAB_GETTERS[fi]!(ev))) {
              matchedField[k] = fi;
              break;
            }
          }
          if (matchedField[k] === -1) return true;
          fuzzyUsed = true;
        }
      }
      taken.add(row.seq);
      const exact = highlightsFor(ev, filter, words);
      if (!fuzzyUsed) {
        fieldHits.push({ row, kind: 'field', highlights: exact });
      } else {
        const highlights: Partial<Record<HitField, Range[]>> = {};
        let score = 0;
        for (let k = 0; k < words.length; k++) {
          const fi = matchedField[k]!;
          if (fi < 0) continue;
          const f = VOCAB_FIELDS[fi]!;
          const hf = VOCAB_TO_HIT[f];
          const m = wordClose[k]!.get(ev[f])!;
          score = Math.max(score, m.score);
          // Fuse's ranges index the raw value; they hold for the sanitised text when nothing was stripped
          if (hf && fieldText(ev, hf) === ev[f]) (highlights[hf] ??= []).push(...m.ranges);
        }
        for (const f of HIT_FIELDS) if (exact[f] && !highlights[f]) highlights[f] = exact[f];
        fuzzyHits.push({ row, kind: 'fuzzy', highlights, score });
      }
      return fieldHits.length + fuzzyHits.length < limit;
    };

    // --- phase 'raw': words only in the raw JSON (bodies, images, annotations) ---------------------
    const rawRes = words.map((w) => new RegExp(escapeRegex(w), 'i'));
    const visitRaw = (row: RequestRow): boolean => {
      if (taken.has(row.seq)) return true;
      if (!rowOk(row)) return true;
      const ev = row.ev;
      const h = hay.get(row);
      let inRaw = -1;
      for (let k = 0; k < words.length; k++) {
        if (h.includes(words[k]!)) continue;
        if (!rawRes[k]!.test(ev.raw)) return true;
        if (inRaw < 0) inRaw = k;
      }
      if (inRaw < 0) return true; // every word was in the fields: the fields scan took or passed it
      // Match again, and quote, on the text with secrets redacted: a word found only inside a
      // secret value is no match (search must not be a way to probe secrets), and a snippet never
      // shows one. Only rows that matched the raw text pay for this.
      const text = redactedLine(ev.raw);
      if (text !== ev.raw) {
        for (let k = 0; k < words.length; k++) if (!h.includes(words[k]!) && !rawRes[k]!.test(text)) return true;
      }
      taken.add(row.seq);
      const snippet = rawSnippet(text, rawRes[inRaw]!, words);
      const hit: SearchHit = { row, kind: 'raw', highlights: highlightsFor(ev, filter, words) };
      if (snippet) hit.snippet = snippet;
      rawHits.push(hit);
      return fieldHits.length + rawHits.length < limit;
    };

    const finish = (): void => {
      phase = 'done';
      token.done = true;
      resultsMs ??= this.now() - t0;
      emit();
      if (this.current === token) this.current = undefined;
    };

    const step = (): void => {
      if (token.cancelled) return;
      switch (phase) {
        case 'fuzzy':
          if (lookupSlice()) phase = 'fields';
          break;
        case 'fields': {
          const before = fieldHits.length + fuzzyHits.length;
          const end = scanSlice(visitRow);
          if (!end) {
            if (fieldHits.length + fuzzyHits.length !== before) emit();
            break;
          }
          resultsMs = this.now() - t0;
          if (fieldHits.length + fuzzyHits.length >= limit || words.length === 0) return finish();
          phase = 'raw';
          cursorSeq = Infinity;
          scanned = 0;
          emit();
          break;
        }
        case 'raw': {
          const before = rawHits.length;
          const end = scanSlice(visitRaw);
          if (end) return finish();
          if (rawHits.length !== before) emit();
          break;
        }
        case 'done':
          return;
      }
      this.schedule(step);
    };

    // the first slice runs now: a short scan often fills the list before the next frame
    step();
    return {
      query,
      cancel: () => {
        token.cancelled = true;
      },
      get done() {
        return token.done;
      },
    };
  }
}

/** Index of the newest row whose seq is below `seq` (rows are in seq order), -1 when none. */
function indexBelowSeq(src: RowSource, seq: number): number {
  const n = src.size;
  if (n === 0) return -1;
  if (seq === Infinity) return n - 1;
  const last = src.at(n - 1)!;
  // fast path: contiguous seqs (the ring's own numbering)
  const guess = n - 1 - (last.seq - seq) - 1;
  if (guess >= 0 && guess < n && src.at(guess)!.seq < seq && (guess + 1 >= n || src.at(guess + 1)!.seq >= seq)) return guess;
  let lo = 0;
  let hi = n - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (src.at(mid)!.seq < seq) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
