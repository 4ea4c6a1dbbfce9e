/**
 * Esc followed by a key, read from the terminal in one chunk, is Esc and then that key.
 *
 * A terminal sends Alt-q as ESC q, and Ink reports that chunk as one key, `q` with `meta` set. But the
 * same two bytes arrive when an operator types Esc then q quickly (over SSH both land in one read),
 * or when a script does `tmux send-keys Escape q`: they mean "close this overlay, then quit". The
 * keymap binds no Alt key, so reading the chunk as Alt-q only ever does the wrong thing (q typed into
 * the search query, or the help closed and the app left running). Here ESC + one printable character
 * is handed to every key handler as two keys, in order.
 *
 * Escape sequences are untouched: arrows and function keys are ESC [ … or ESC O … of three or more
 * characters, which Ink keeps whole. ESC + a control character (Alt-Backspace, Esc Esc) is left as Ink
 * reads it too.
 */
import { useStdin } from 'ink';
import { useLayoutEffect } from 'react';

const ESC = '\x1b';

/** The keys a chunk read from the terminal stands for when it is ESC + one printable character, else null. */
export function splitEscapeThenKey(data: string): [string, string] | null {
  if (data.length < 2 || data.length > 3 || data[0] !== ESC) return null;
  const rest = data.slice(1);
  const cp = rest.codePointAt(0)!;
  // one code point (an astral character is two UTF-16 units), not a sequence of several
  if (String.fromCodePoint(cp).length !== rest.length) return null;
  // C0 controls, DEL and C1 controls are not printable keys
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return null;
  return [ESC, rest];
}

/**
 * Install the splitting on Ink's input emitter, which every useInput handler (the App's and the
 * overlays') listens to. Call once, in the root component: a layout effect, so it is in place before
 * the first key is read.
 */
export function useEscapeThenKey(): void {
  const { internal_eventEmitter: emitter } = useStdin();
  useLayoutEffect(() => {
    const emit = emitter.emit;
    const split: typeof emit = function (this: typeof emitter, event, ...args) {
      const keys = event === 'input' && typeof args[0] === 'string' ? splitEscapeThenKey(args[0]) : null;
      if (keys === null) return emit.call(this, event, ...args);
      // Esc first: its handlers close the overlay (the UI reducer's ref updates at once), so the key
      // after it is read by the view underneath, as it would be had it come a moment later
      const heard = emit.call(this, event, keys[0]);
      return emit.call(this, event, keys[1]) || heard;
    };
    emitter.emit = split;
    return () => {
      if (emitter.emit === split) emitter.emit = emit;
    };
  }, [emitter]);
}
