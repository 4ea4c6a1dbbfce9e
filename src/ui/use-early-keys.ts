/**
 * Keys typed right after an overlay appears must not be lost.
 *
 * Ink's useInput subscribes in a passive effect, which React runs after the commit that drew the
 * overlay. On a loaded machine (or over a fast SSH paste) the next chunk read from the terminal can be
 * handled in between: it reaches the App's handler, which ignores keys while an overlay is open, and
 * never the overlay's own; a fast typist's first letters after `/` vanish (seen in the end-to-end
 * tests under load). Call this right after useInput in the same component: it listens from the
 * layout phase (inside the commit, before any further input is read) and, once useInput is
 * subscribed, hands what arrived meanwhile to the component by emitting it again.
 */
import { useStdin } from 'ink';
import { useEffect, useLayoutEffect, useRef } from 'react';

export function useEarlyKeys(): void {
  const { internal_eventEmitter: emitter } = useStdin();
  const state = useRef<{ pending: string[] | null; early: ((data: string) => void) | null }>({ pending: [], early: null });

  useLayoutEffect(() => {
    const s = state.current;
    if (s.pending === null) return; // already live: useInput receives everything itself
    const early = (data: string): void => {
      s.pending?.push(data);
    };
    s.early = early;
    emitter.on('input', early);
    return () => {
      emitter.removeListener('input', early);
    };
  }, [emitter]);

  // Declared after useInput, so it runs after useInput's own effect has subscribed the handler:
  // what is emitted again here reaches it (the App's handler ignores it again, as it did the first time).
  useEffect(() => {
    const s = state.current;
    if (s.early) emitter.removeListener('input', s.early);
    s.early = null;
    const pending = s.pending ?? [];
    s.pending = null;
    for (const data of pending) emitter.emit('input', data);
  }, [emitter]);
}
