/**
 * Text helpers for alert messages. Every string in a message comes from the log and is untrusted
 * (SPEC §4): Alert.message promises to be free of control characters, so the screen, the JSON
 * printers and a terminal `tail -f` of --alerts-file can all show it as is.
 */

// C0 (incl. ESC), DEL, C1, Arabic letter mark, LRM/RLM, line/paragraph separators, bidi
// embeddings/overrides and isolates. One test is the whole cost for the common clean string.
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const SUSPECT_ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// An escape sequence (CSI/OSC/other ESC-introduced) is removed whole, so its payload (a window
// title, a clipboard write) does not leak into the message as text either.
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[PX^_][^\u001b\u009c]*(?:\u001b\\|\u009c)?|[@-Z\\-_])/g;
const SPACE_LIKE = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/** Strip control characters, escape sequences and bidi controls; whitespace controls become one space. */
export function cleanText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return s.replace(ESCAPES, '').replace(SPACE_LIKE, ' ').replace(SUSPECT_ALL, '');
}

/** cleanText, then cut to `max` characters with an ellipsis (messages stay one readable line). */
export function clip(s: string, max: number): string {
  const c = cleanText(s);
  return c.length <= max ? c : `${c.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Quote one argv word the way a shell user would read it back: bare when it is only safe
 * characters, otherwise single-quoted (embedded single quotes as '\'' ).
 */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
