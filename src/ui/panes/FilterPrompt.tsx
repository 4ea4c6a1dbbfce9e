/**
 * `f` filter prompt: a one-line input (bordered, 3 rows at the bottom of the body) for a filter
 * expression in the `--filter` syntax (src/model/filter.ts). It is checked as you type: a mistake is
 * named in the bottom border and its column is marked in the input; Enter applies (an empty line
 * clears the filter), Esc closes and keeps the filter in force. The line edits like a shell's
 * (src/ui/line-edit.ts: ←/→, Home/End, Ctrl-A/E/U/K/W).
 *
 * Props (App.tsx's FilterOverlayProps):
 *   width, height  the prompt rectangle (3 rows)
 *   theme          colours and glyphs
 *   current        the expression in force ('' = none): the input starts with it
 *   onApply(expr)  applies it to feed, alerts and counts; returns an error message, or null when applied
 *   onClose()      close the prompt
 */
import { useInput, type Key } from 'ink';
import { memo, useMemo, useRef, useState } from 'react';
import { isFilterError, parseFilter } from '../../model/filter.js';
import { fit, sanitize } from '../../model/sanitize.js';
import type { FilterOverlayProps } from '../App.js';
import { blank, borderBottom, borderTop, framed } from '../format.js';
import { keyName, resolveCommand } from '../keymap.js';
import type { Theme } from '../theme.js';
import { chunkHasEnter, editLine, lineAtEnd, renderLine, type Line } from '../line-edit.js';
import { useEarlyKeys } from '../use-early-keys.js';
import { Lines } from './Lines.js';

export interface FilterViewProps {
  width: number;
  height: number;
  theme: Theme;
  text: string;
  /** cursor position in the text (default: at the end) */
  cursor?: number;
  current: string;
  /** error from the last Enter (from onApply), shown until the text changes */
  applyError: string;
}

/** Check an expression as typed: null when it parses, else the reason and position. */
export function checkFilter(expr: string): { reason: string; position: number } | null {
  const r = parseFilter(expr);
  return isFilterError(r) ? { reason: r.reason, position: r.position } : null;
}

/** The three lines of the prompt (pure). */
export function filterLines(p: FilterViewProps): string[] {
  const { width, theme: t } = p;
  const inner = Math.max(0, width - 2);
  const text = sanitize(p.text);
  const err = checkFilter(p.text);
  const right = p.current ? `in force: ${sanitize(p.current)}` : 'no filter';
  const top = borderTop('Filter', width, t, true, fit(right, Math.max(0, Math.floor(inner / 2)), t.g.ellipsis).trimEnd());
  // the input: "f> " + the line with its cursor; the column of a mistake is marked
  const prefix = ' f> ';
  const line: Line = { text, cursor: text === p.text ? Math.min(p.cursor ?? text.length, text.length) : text.length };
  const mark = err && text === p.text ? { at: err.position, tone: 'sev-critical' as const } : undefined;
  const input = t.paint(prefix, 'title') + renderLine(line, Math.max(1, inner - prefix.length), t, mark);
  // cut the plain text first: cutting a painted string could split an SGR sequence
  const room2 = Math.max(0, inner - 4);
  let legend: string;
  if (p.applyError) legend = t.paint(fit(` ${sanitize(p.applyError)} `, room2, t.g.ellipsis).trimEnd() + ' ', 'error');
  else if (err) legend = t.paint(fit(` ${sanitize(err.reason)}, column ${err.position + 1} `, room2, t.g.ellipsis).trimEnd() + ' ', 'warn');
  else legend = t.paint(fit(' Enter applies (empty clears)  Esc cancels ', room2, t.g.ellipsis).trimEnd() + ' ', 'dim');
  const bottom = borderBottom(width, t, true, legend);
  const lines = [top, framed(input, t, true), bottom];
  // taller rectangles (never, with FILTER_ROWS = 3) get blank framed rows between input and border
  while (lines.length < p.height) lines.splice(lines.length - 1, 0, framed(blank(inner), t, true));
  return lines.slice(0, Math.max(0, p.height));
}

export const FilterPrompt = memo(function FilterPrompt(p: FilterOverlayProps) {
  const [line, setLine] = useState<Line>(() => lineAtEnd(p.current));
  // keys can arrive faster than renders (typing, pasting): edits apply to the latest line
  const lineRef = useRef(line);
  const [applyError, setApplyError] = useState('');

  // Ink can deliver keys to an earlier render's handler: read the callbacks through a ref
  const cb = useRef({ onApply: p.onApply, onClose: p.onClose });
  cb.current = { onApply: p.onApply, onClose: p.onClose };

  const onInput = (input: string, key: Key): void => {
    const k = keyName(input, key);
    const cmd = resolveCommand(k, { overlay: 'filter', replay: false });
    if (cmd === 'back') {
      cb.current.onClose();
      return;
    }
    if (cmd === 'apply') {
      const err = cb.current.onApply(lineRef.current.text.trim());
      if (err === null) cb.current.onClose();
      else setApplyError(err);
      return;
    }
    if (cmd === 'quit') return; // App quits
    const next = editLine(lineRef.current, k, input);
    if (next !== undefined) {
      if (next.text !== lineRef.current.text) setApplyError('');
      lineRef.current = next;
      setLine(next);
    }
    // "expression⏎" arriving in one chunk (fast typing over SSH, a pasted line): apply it
    if (chunkHasEnter(input)) {
      const err = cb.current.onApply(lineRef.current.text.trim());
      if (err === null) cb.current.onClose();
      else setApplyError(err);
    }
  };
  useInput(onInput);
  useEarlyKeys();

  const lines = useMemo(
    () => filterLines({ width: p.width, height: p.height, theme: p.theme, text: line.text, cursor: line.cursor, current: p.current, applyError }),
    [p.width, p.height, p.theme, line, p.current, applyError],
  );
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
