/**
 * One-line text editing for the search query and the filter prompt, readline-style: the keys people
 * already use in a shell (←/→, Home/End, Ctrl-A/E, Ctrl-U/K/W, Backspace/Delete). Pure: a line and a
 * key in, a line out; the components keep it in state. These are editing keys, not commands, so they
 * are not in the keymap (the keymap's commands in these scopes are Enter, Esc, ↑/↓).
 */
import { displayWidth, sanitize } from '../model/sanitize.js';
import { isPrintable } from './keymap.js';
import type { Theme, Tone } from './theme.js';

export interface Line {
  text: string;
  /** cursor position in UTF-16 units, 0..text.length, never inside a surrogate pair */
  cursor: number;
}

export function lineAtEnd(text: string): Line {
  return { text, cursor: text.length };
}

/** Index of the code point boundary before / after `i`. */
function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  const c = s.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}
function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}

/** Insert text at the cursor. Pasted text is sanitised on the way in (no control or bidi characters
 * ever enter the line), so drawing it needs no sanitising that would shift the cursor. */
function insert(l: Line, raw: string): Line {
  const s = sanitize(raw);
  return { text: l.text.slice(0, l.cursor) + s + l.text.slice(l.cursor), cursor: l.cursor + s.length };
}

function backspace(l: Line): Line {
  const p = prevIndex(l.text, l.cursor);
  return { text: l.text.slice(0, p) + l.text.slice(l.cursor), cursor: p };
}

/** Start of the word before the cursor (Ctrl-W: spaces, then non-spaces). */
function wordStart(s: string, i: number): number {
  let j = i;
  while (j > 0 && /\s/.test(s[j - 1]!)) j--;
  while (j > 0 && !/\s/.test(s[j - 1]!)) j--;
  return j;
}

/** A key as Ink reports it (see keymap.keyName) plus the raw input; undefined = not an editing key. */
export function editLine(l: Line, k: string, input: string): Line | undefined {
  switch (k) {
    case 'backspace':
      return backspace(l);
    case 'delete':
    case 'ctrl+d': {
      const n = nextIndex(l.text, l.cursor);
      return { text: l.text.slice(0, l.cursor) + l.text.slice(n), cursor: l.cursor };
    }
    case 'left':
      return { ...l, cursor: prevIndex(l.text, l.cursor) };
    case 'right':
      return { ...l, cursor: nextIndex(l.text, l.cursor) };
    case 'home':
    case 'ctrl+a':
      return { ...l, cursor: 0 };
    case 'end':
    case 'ctrl+e':
      return { ...l, cursor: l.text.length };
    case 'ctrl+u':
      return { text: l.text.slice(l.cursor), cursor: 0 };
    case 'ctrl+k':
      return { text: l.text.slice(0, l.cursor), cursor: l.cursor };
    case 'ctrl+w': {
      const j = wordStart(l.text, l.cursor);
      return { text: l.text.slice(0, j) + l.text.slice(l.cursor), cursor: j };
    }
    case 'space':
      return insert(l, ' ');
  }
  if (isPrintable(k)) return insert(l, input);
  // Several keys can arrive as one chunk (a paste, fast typing over SSH, a held Backspace): apply
  // them one by one; other control characters in a chunk are dropped, never inserted. An unknown
  // escape sequence reaches us without its ESC (e.g. "[1;5C" for Ctrl-Right): that is not text.
  if (input.length > 1 && !/^(\[[\d;?<>]*[ -/]*[@-~]|O[@-~])$/.test(input)) {
    let out = l;
    // text between editing keys is inserted as a whole, so sanitising drops escape sequences entire
    let run = '';
    const flush = (): void => {
      if (run !== '') out = insert(out, run);
      run = '';
    };
    for (const ch of input) {
      if (ch === '\x7f' || ch === '\b') {
        flush();
        out = backspace(out);
      } else if (ch === '\x15') {
        flush();
        out = { text: out.text.slice(out.cursor), cursor: 0 };
      } else if (ch === '\x17') {
        flush();
        const j = wordStart(out.text, out.cursor);
        out = { text: out.text.slice(0, j) + out.text.slice(out.cursor), cursor: j };
      } else if (ch === '\r' || ch === '\n') {
        break; // Enter typed with the text: the caller decides (chunkHasEnter)
      } else {
        run += ch;
      }
    }
    flush();
    return out;
  }
  return undefined;
}

/** A chunk of several keys that contains Enter: the text before it is typed, then Enter is pressed. */
export function chunkHasEnter(input: string): boolean {
  return input.length > 1 && /[\r\n]/.test(input);
}

/**
 * The line drawn in exactly `width` columns with the cursor shown (an inverse cell; `_` without
 * colour when at the end). A line longer than the room scrolls so the cursor stays in view, with the
 * theme's ellipsis where text is hidden.
 */
export function renderLine(l: Line, width: number, t: Theme, mark?: { at: number; tone: Tone }): string {
  if (width <= 0) return '';
  const chars = Array.from(l.text);
  // code point index of a UTF-16 position
  const cpIndex = (pos: number): number => {
    let i = 0;
    for (let u = 0; i < chars.length && u < pos; i++) u += chars[i]!.length;
    return i;
  };
  const ci = cpIndex(l.cursor);
  const mi = mark ? cpIndex(mark.at) : -1;
  const widths = chars.map((c) => displayWidth(c));
  const el = t.g.ellipsis;
  // the cursor cell itself takes a column when it sits at the end
  const total = widths.reduce((a, b) => a + b, 0) + (ci === chars.length ? 1 : 0);
  let start = 0;
  let end = chars.length;
  if (total > width) {
    // keep the cursor in view with some context on both sides: up to half the room before it, then
    // what fits after it, then whatever room is left before it again
    let used = ci === chars.length ? 1 : widths[ci]!;
    start = ci;
    end = ci === chars.length ? ci : ci + 1;
    const room = width - 2; // room for an ellipsis on each side
    while (start > 0 && used + widths[start - 1]! <= Math.floor(room / 2)) used += widths[--start]!;
    while (end < chars.length && used + widths[end]! <= room) used += widths[end++]!;
    while (start > 0 && used + widths[start - 1]! <= room) used += widths[--start]!;
  }
  const cursorCell = (c: string): string => (t.color ? t.paint(c, 'selected') : ci === chars.length ? '_' : c);
  let out = start > 0 ? el : '';
  let cols = start > 0 ? displayWidth(el) : 0;
  for (let i = start; i < end; i++) {
    out += i === ci ? cursorCell(chars[i]!) : i === mi && mark ? t.paint(chars[i]!, mark.tone) : chars[i]!;
    cols += widths[i]!;
  }
  if (ci === chars.length) {
    out += cursorCell(' ');
    cols += 1;
  }
  if (end < chars.length) {
    out += el;
    cols += displayWidth(el);
  }
  return cols < width ? out + ' '.repeat(width - cols) : out;
}
