/**
 * Terminal hygiene for untrusted text (SPEC §4): every string that comes from the log goes through
 * `sanitize` before it reaches the screen, so no log line can move the cursor, change the window
 * title, write the clipboard (OSC 52), ring the bell, clear the screen or reorder text (bidi).
 *
 * Why this lives in src/model and not src/ui: the detectors build `Alert.message` from log fields and
 * promise it is "already free of control characters", and the search state computes highlight ranges
 * on sanitised values; both sit below the UI in the data flow (ingest → model → detect → state → ui)
 * and must not import from src/ui. It is pure and imports no ink/react.
 *
 * Also here: display-width helpers (`displayWidth`, `truncate`, `fit`) for pre-truncated rows. They
 * measure like `string-width`, the library Ink itself lays text out with (its own code for anything
 * beyond simple strings), so a row we cut to N columns is N columns to Ink too (wide CJK and emoji
 * count 2, combining marks 0).
 */
import { eastAsianWidth } from 'get-east-asian-width';
import stringWidth from 'string-width';

/**
 * Any character that needs the slow path: C0 controls, DEL, C1 controls, Arabic letter mark,
 * LRM/RLM, line/paragraph separators, bidi embeddings/overrides (U+202A–202E) and isolates
 * (U+2066–2069), and surrogates (lone ones are replaced; pairs are checked on the slow path).
 * One regex test is the whole cost for the common clean string (~tens of ns for a feed field).
 */
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/;

const ESC = 0x1b;
const BEL = 0x07;
const C1_ST = 0x9c;

/** Characters that only ever separate words: keep the separation, drop the control. */
function isSpaceLikeControl(c: number): boolean {
  // \t \n \v \f \r, NEL (U+0085), LINE SEPARATOR, PARAGRAPH SEPARATOR
  return (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** Characters removed outright (after the escape-sequence and space-like handling). */
function isDropped(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x061c ||
    c === 0x200e ||
    c === 0x200f ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

/**
 * Index just past a control *string* (OSC, DCS, SOS, PM, APC) whose body starts at `i`: terminated by
 * BEL, ST (ESC \) or C1 ST. Unterminated: the rest of the input is the sequence (a terminal would
 * swallow it too, and half a title-change payload is noise, not information).
 */
function skipControlString(s: string, i: number): number {
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BEL || c === C1_ST) return j + 1;
    if (c === ESC) return s.charCodeAt(j + 1) === 0x5c /* \ */ ? j + 2 : j + 1;
  }
  return s.length;
}

/** Index just past a CSI sequence whose parameters start at `i` (ECMA-48: params, intermediates, final). */
function skipCsi(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c >= 0x30 && c <= 0x3f) j++; // parameter bytes
    else break;
  }
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c >= 0x20 && c <= 0x2f) j++; // intermediate bytes
    else break;
  }
  if (j < s.length) {
    const c = s.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return j + 1; // final byte
  }
  // malformed or cut short: what we skipped was parameters only; the offending char is kept (and
  // dropped later if it is itself a control)
  return j;
}

/** Index just past an escape sequence that starts with ESC at `i`. */
function skipEsc(s: string, i: number): number {
  const n = s.charCodeAt(i + 1);
  if (Number.isNaN(n)) return i + 1;
  switch (n) {
    case 0x5b: // [  CSI
      return skipCsi(s, i + 2);
    case 0x5d: // ]  OSC (title, clipboard, hyperlinks, colours)
    case 0x50: // P  DCS
    case 0x58: // X  SOS
    case 0x5e: // ^  PM
    case 0x5f: // _  APC
      return skipControlString(s, i + 2);
    case 0x4e: // N  SS2
    case 0x4f: // O  SS3: the next character is consumed by the terminal as well
      return Math.min(s.length, i + 3);
    default: {
      // nF: intermediates then a final byte; Fp/Fe/Fs: one final byte (e.g. ESC c = full reset)
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
      if (j < s.length) {
        const c = s.charCodeAt(j);
        if (c >= 0x30 && c <= 0x7e) return j + 1;
      }
      return i + 1; // a lone ESC: drop it, keep what follows
    }
  }
}

function sanitizeSlow(s: string): string {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === ESC) {
      i = skipEsc(s, i);
      continue;
    }
    if (c === 0x9b) {
      i = skipCsi(s, i + 1); // C1 CSI
      continue;
    }
    if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      i = skipControlString(s, i + 1); // C1 OSC, DCS, SOS, PM, APC
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i += 2;
      } else {
        out += '\ufffd';
        i++;
      }
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd'; // lone low surrogate
      i++;
      continue;
    }
    if (isSpaceLikeControl(c)) {
      out += ' ';
      i++;
      continue;
    }
    if (isDropped(c)) {
      i++;
      continue;
    }
    out += s[i]!;
    i++;
  }
  return out;
}

/**
 * Make an untrusted string safe to draw: escape sequences (CSI, OSC incl. title and OSC 52 clipboard,
 * DCS, SOS/PM/APC, single-character escapes) are removed whole; remaining C0/C1 controls, DEL and bidi
 * controls are removed; tabs, newlines and line separators become a space so words stay apart; lone
 * surrogates become U+FFFD. A clean string is returned as is (no allocation).
 */
export function sanitize(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return sanitizeSlow(s);
}

/** True when `sanitize(s)` would change `s`. */
export function needsSanitize(s: string): boolean {
  return SUSPECT.test(s) && sanitizeSlow(s) !== s;
}

const SUSPECT_GLOBAL = new RegExp(SUSPECT.source, 'g');

/**
 * For the inspector's JSON view: instead of dropping unsafe characters, show them as JSON `\uXXXX`
 * escapes, so a security engineer sees exactly what the log carried (an ESC, a bidi override, a C1
 * CSI) and the text stays valid JSON inside a string literal. Surrogate pairs are kept.
 */
export function escapeUnsafe(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(SUSPECT_GLOBAL, (ch, offset: number) => {
    const c = ch.charCodeAt(0);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(offset + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return ch;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      const h = s.charCodeAt(offset - 1);
      if (h >= 0xd800 && h <= 0xdbff) return ch;
    }
    return '\\u' + c.toString(16).padStart(4, '0');
  });
}

const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

/**
 * Strings where every code point is its own grapheme cluster and none is zero-width: no combining or
 * spacing marks, format or default-ignorable characters, emoji, regional indicators or Hangul jamo.
 * For these, string-width's answer is the sum of each code point's East Asian Width, which we compute
 * directly (~20x faster than segmenting graphemes). Anything else takes string-width's own path.
 */
const SIMPLE = /^[^\p{Cc}\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]*$/u;

/** Columns of one code point of a SIMPLE string (ambiguous ones narrow, as string-width and Ink count them). */
function cpWidth(cp: number): number {
  return cp < 0x1100 ? 1 : eastAsianWidth(cp);
}

/** Our own colour codes (SGR) and any other CSI/OSC sequence: zero columns, as string-width counts them. */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/**
 * Columns `s` occupies on a terminal (as Ink measures it). Untrusted text must be sanitised first;
 * strings painted with the theme's colours (SGR) are measured without their escape sequences.
 */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  if (s.includes('\u001b')) return displayWidth(s.replace(ANSI, ''));
  if (SIMPLE.test(s)) {
    let w = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.codePointAt(i)!;
      if (c > 0xffff) i++;
      w += cpWidth(c);
    }
    return w;
  }
  return stringWidth(s);
}

let segmenter: Intl.Segmenter | undefined;

/** Width of the ellipsis strings in use ('…', '~'): measured once, not per cell. */
const ellipsisWidths = new Map<string, number>();
function ellipsisWidth(e: string): number {
  let w = ellipsisWidths.get(e);
  if (w === undefined) {
    w = displayWidth(e);
    if (ellipsisWidths.size < 16) ellipsisWidths.set(e, w);
  }
  return w;
}

/**
 * Cut `s` to at most `width` columns, ending with `ellipsis` when something was cut. Never splits a
 * wide character or a grapheme cluster (a cut 2-column char leaves the column blank instead).
 */
export function truncate(s: string, width: number, ellipsis = '…'): string {
  return cut(s, width, ellipsis).text;
}

/** truncate, also returning the width of the result (so fit does not measure it again). */
function cut(s: string, width: number, ellipsis: string): { text: string; width: number } {
  if (width <= 0) return { text: '', width: 0 };
  if (PRINTABLE_ASCII.test(s)) {
    if (s.length <= width) return { text: s, width: s.length };
    const ew = ellipsisWidth(ellipsis);
    if (ew >= width) return { text: ellipsis.slice(0, width), width: Math.min(ew, width) };
    return { text: s.slice(0, width - ew) + ellipsis, width };
  }
  if (SIMPLE.test(s)) {
    const ew = ellipsisWidth(ellipsis);
    // one pass: remember where the text would have to be cut for the ellipsis to fit
    let w = 0;
    let cutAt = -1;
    let cutW = 0;
    for (let i = 0; i < s.length; i++) {
      const start = i;
      const c = s.codePointAt(i)!;
      if (c > 0xffff) i++;
      const cw = cpWidth(c);
      if (cutAt < 0 && w + cw > width - ew) {
        cutAt = start;
        cutW = w;
      }
      w += cw;
      if (w > width) return { text: s.slice(0, Math.max(0, cutAt)) + ellipsis, width: cutW + ew };
    }
    return { text: s, width: w };
  }
  const total = stringWidth(s);
  if (total <= width) return { text: s, width: total };
  const ew = ellipsisWidth(ellipsis);
  const budget = width - ew;
  if (budget < 0) return { text: '', width: 0 };
  segmenter ??= new Intl.Segmenter();
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const w = stringWidth(segment);
    if (used + w > budget) break;
    out += segment;
    used += w;
  }
  return { text: out + ellipsis, width: used + ew };
}

/** `truncate` then pad with spaces to exactly `width` columns: one fixed-width table cell. */
export function fit(s: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  const t = cut(s, width, ellipsis);
  return t.width >= width ? t.text : t.text + ' '.repeat(width - t.width);
}

/** Sanitise then fit: the one call a pane makes per untrusted cell. */
export function cell(s: string, width: number, ellipsis = '…'): string {
  return fit(sanitize(s), width, ellipsis);
}
