/**
 * Inspector overlay: one request's raw JSON, pretty-printed and coloured, scrollable, with secrets
 * and tokens redacted until `r` reveals them; `y` copies what is shown to the clipboard (OSC 52).
 *
 * Props (App.tsx's InspectorOverlayProps, plus one optional seam for tests):
 *   width, height  the overlay rectangle
 *   theme          colours and glyphs
 *   row            the request (its most complete stage; `row.ev.raw` is the JSON); undefined once
 *                  the ring evicted it
 *   auditID        shown when the row is gone
 *   onClose()      close (App goes back to the search results when it came from there)
 *   writeTerminal  where the OSC 52 sequence goes; default: straight to the terminal (fd 1, only when
 *                  it is a TTY), bypassing Ink, which would otherwise treat it as frame text
 *
 * The JSON model (tokens, redaction, escaping of unsafe characters) is src/state/redact.ts; this file
 * only wraps lines to the width and colours tokens.
 */
import { writeSync } from 'node:fs';
import { useInput, type Key } from 'ink';
import { memo, useMemo, useRef, useState } from 'react';
import type { RequestRow } from '../../model/types.js';
import { displayWidth, fit, sanitize } from '../../model/sanitize.js';
import { inspectJson, viewText, type JsonLine, type JsonView, type Token, type TokenKind } from '../../state/redact.js';
import type { InspectorOverlayProps } from '../App.js';
import { blank, borderBottom, borderTop, clock, codeTone, framed, latency, objectLabel } from '../format.js';
import { keyName, resolveCommand } from '../keymap.js';
import { severityLabel, severityTone, type Theme, type Tone } from '../theme.js';
import { useEarlyKeys } from '../use-early-keys.js';
import { Lines } from './Lines.js';

/**
 * Largest text `y` copies. Terminals cap OSC 52 payloads (xterm and tmux around 100 kB of base64,
 * some far less); 74 kB of text is ~100 kB of base64. Larger events are copied compact if that fits.
 */
export const OSC52_MAX_BYTES = 74 * 1024;

const TONE: Record<TokenKind, Tone | null> = {
  key: 'accent',
  string: 'ok',
  number: 'warn',
  literal: 'delete',
  punct: null,
  redacted: 'denied',
  revealed: 'sev-critical',
  plain: null,
};

/** One screen line: tokens (already cut to fit) and the indentation in columns. */
export interface VisualLine {
  indent: number;
  tokens: Token[];
}

/**
 * Characters of one value shown in the inspector. A value can be megabytes (a ConfigMap holding a
 * file, an annotation repeating an object); past this the rest is summarised, not wrapped into
 * thousands of lines nobody scrolls.
 */
export const MAX_VALUE_CHARS = 16 * 1024;

const ASCII_ONLY = /^[\u0020-\u007e]*$/;

/** Cut text into pieces of at most `cols` columns (the first piece `first` columns), in one pass. */
function pieces(text: string, first: number, cols: number): string[] {
  const out: string[] = [];
  if (ASCII_ONLY.test(text)) {
    let i = 0;
    let room = first;
    while (i < text.length) {
      // a piece of zero room (the line is full) becomes an empty piece: the caller starts a new line
      out.push(text.slice(i, i + room));
      i += room;
      room = cols;
    }
    return out;
  }
  let room = first;
  let cur = '';
  let w = 0;
  for (const ch of text) {
    const cw = displayWidth(ch);
    if (w + cw > room && (cur !== '' || room === first)) {
      out.push(cur);
      cur = '';
      w = 0;
      room = cols;
    }
    cur += ch;
    w += cw;
  }
  out.push(cur);
  return out;
}

/**
 * Wrap JSON lines to `width` columns: 2 columns of indent per level (capped at a third of the width
 * so deep documents stay readable), continuation lines indented like their first line. Linear in
 * the text: each value is measured and cut once.
 */
export function wrapJson(lines: readonly JsonLine[], width: number): VisualLine[] {
  const out: VisualLine[] = [];
  const maxIndent = Math.floor(width / 3);
  for (const l of lines) {
    const indent = Math.min(l.depth * 2, maxIndent);
    const room = Math.max(1, width - indent);
    let cur: Token[] = [];
    let used = 0;
    for (const tok of l.tokens) {
      let text = tok.text;
      let more = '';
      if (text.length > MAX_VALUE_CHARS) {
        more = ` ... ${(text.length - MAX_VALUE_CHARS).toLocaleString('en-US')} more characters not shown`;
        text = text.slice(0, MAX_VALUE_CHARS);
      }
      const w = displayWidth(text);
      if (used + w <= room) {
        cur.push({ kind: tok.kind, text });
        used += w;
      } else {
        const parts = pieces(text, room - used, room);
        parts.forEach((piece, i) => {
          if (i > 0) {
            out.push({ indent, tokens: cur });
            cur = [];
            used = 0;
          }
          if (piece !== '') {
            cur.push({ kind: tok.kind, text: piece });
            used += displayWidth(piece);
          }
        });
      }
      if (more) {
        out.push({ indent, tokens: cur });
        cur = [{ kind: 'plain', text: more }];
        used = displayWidth(more);
      }
    }
    out.push({ indent, tokens: cur });
  }
  return out;
}

function paintLine(v: VisualLine, width: number, t: Theme): string {
  let s = ' '.repeat(v.indent);
  let used = v.indent;
  for (const tok of v.tokens) {
    s += t.paint(tok.text, TONE[tok.kind]);
    used += displayWidth(tok.text);
  }
  return used < width ? s + ' '.repeat(width - used) : s;
}

export interface InspectorViewProps {
  width: number;
  height: number;
  theme: Theme;
  row: RequestRow | undefined;
  auditID: string;
  view: JsonView | null;
  wrapped: readonly VisualLine[];
  scroll: number;
  reveal: boolean;
  notice: string;
}

/** Lines of JSON that fit: the overlay minus borders and the two header lines. */
export function inspectorPageRows(height: number): number {
  return Math.max(1, height - 4);
}

function summary(row: RequestRow, width: number, t: Theme): string {
  const e = row.ev;
  const who = sanitize(e.impersonatedUser ? `${e.user} as ${e.impersonatedUser}` : e.user);
  const code = row.open ? 'open' : e.code ? String(e.code) : '-';
  // the time the request was received, as the feed and the search list show it
  const text = ` ${clock(Number.isNaN(e.receivedTs) ? e.ts : e.receivedTs)}  ${who}  ${sanitize(e.verb)} ${sanitize(objectLabel(row))}  `;
  const tail = `${code} ${row.open ? '' : latency(e.latencyMs)}`.trimEnd();
  // a request that raised an alert says so first, in its severity's colour
  const sev = row.alert ? `${severityLabel(row.alert)} ` : '';
  // the object is cut, never the code and latency: they are what the eye looks for
  const head = fit(text, Math.max(0, width - displayWidth(tail) - displayWidth(sev) - 2), t.g.ellipsis);
  return (row.alert ? t.paint(sev, severityTone(row.alert)) : '') + t.paint(head, 'bold') + ' ' + t.paint(tail, codeTone(e.code)) + ' ';
}

/** All lines of the overlay (pure). */
export function inspectorLines(p: InspectorViewProps): string[] {
  const { width, height, theme: t } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const total = p.wrapped.length;
  const page = inspectorPageRows(height);
  const pos = total > page ? `${Math.min(total, p.scroll + page)}/${total}` : '';
  const out = [borderTop('Inspector', width, t, true, pos)];
  const body: string[] = [];
  if (!p.row || !p.view) {
    body.push(t.paint(fit(` request ${sanitize(p.auditID)} is no longer buffered`, inner, t.g.ellipsis), 'warn'));
  } else {
    body.push(summary(p.row, inner, t));
    const secrets = p.view.secrets;
    const info = p.notice
      ? p.notice
      : secrets === 0
        ? `stages: ${p.row.stages.map(sanitize).join(', ')}  ${sanitize(p.row.ev.source)}`
        : p.reveal
          ? `${secrets} secret ${secrets === 1 ? 'value' : 'values'} REVEALED: r hides`
          : `${secrets} secret ${secrets === 1 ? 'value' : 'values'} redacted: r reveals`;
    const tone: Tone = p.notice ? 'accent' : secrets > 0 ? (p.reveal ? 'error' : 'denied') : 'dim';
    body.push(t.paint(fit(` ${info}`, inner, t.g.ellipsis), tone));
    for (let i = p.scroll; i < Math.min(total, p.scroll + page); i++) body.push(paintLine(p.wrapped[i]!, inner, t));
    if (p.view.omittedLines > 0 && p.scroll + page >= total) {
      body.push(t.paint(fit(` ${t.g.ellipsis} ${p.view.omittedLines.toLocaleString('en-US')} more lines not shown (huge body)`, inner, t.g.ellipsis), 'dim'));
    }
  }
  for (let i = 0; i < innerH; i++) out.push(framed(body[i] ?? blank(inner), t, true));
  out.push(borderBottom(width, t, true));
  return out;
}

/** The OSC 52 sequence that sets the system clipboard ("c") to `text`. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

/**
 * What `y` writes and says: the shown JSON (redacted unless revealed), pretty if it fits under the
 * cap, else compact, else nothing. Inside tmux the sequence is also sent wrapped for passthrough.
 */
export function copyPlan(view: JsonView, env: NodeJS.ProcessEnv = process.env): { bytes: string; notice: string } {
  const pretty = viewText(view);
  let text = pretty;
  let how = '';
  if (Buffer.byteLength(text) > OSC52_MAX_BYTES && !view.invalid) {
    try {
      text = JSON.stringify(JSON.parse(pretty));
      how = ' (compact)';
    } catch {
      // the view is always valid JSON when !invalid; keep the pretty text
    }
  }
  const n = Buffer.byteLength(text);
  const size = n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`;
  if (n > OSC52_MAX_BYTES) return { bytes: '', notice: `too large to copy (${size}, terminals accept about ${OSC52_MAX_BYTES / 1024} kB): use --no-tui --print events` };
  if (view.omittedLines > 0) return { bytes: '', notice: 'too large to copy: the event is only partly shown' };
  const seq = osc52(text);
  // tmux drops an application's OSC 52 unless set-clipboard is on; passthrough (allow-passthrough) is the other way in
  const bytes = env.TMUX ? seq + `\x1bPtmux;${seq.replace(/\x1b/g, '\x1b\x1b')}\x1b\\` : seq;
  const revealed = view.lines.some((l) => l.tokens.some((x) => x.kind === 'revealed'));
  const secrets = view.secrets === 0 ? '' : revealed ? ', secrets included' : ', secrets redacted';
  return { bytes, notice: `copied ${size}${how} to the clipboard (OSC 52)${secrets}` };
}

function defaultWriteTerminal(s: string): void {
  if (!process.stdout.isTTY) return;
  try {
    writeSync(1, s);
  } catch {
    // terminal gone; nothing to copy to
  }
}

export interface InspectorProps extends InspectorOverlayProps {
  writeTerminal?: (s: string) => void;
}

export const Inspector = memo(function Inspector(p: InspectorProps) {
  const [reveal, setReveal] = useState(false);
  const [scroll, setScroll] = useState(0);
  const [notice, setNotice] = useState('');
  const ev = p.row?.ev;
  const view = useMemo(() => (ev ? inspectJson(ev.raw, { reveal }) : null), [ev, reveal]);
  const inner = Math.max(1, p.width - 2);
  const wrapped = useMemo(() => (view ? wrapJson(view.lines, inner) : []), [view, inner]);
  const page = inspectorPageRows(p.height);
  const maxScroll = Math.max(0, wrapped.length - page);
  const pos = Math.min(scroll, maxScroll);

  // the key handler reads the latest render's values: Ink can deliver keys to an earlier render's handler
  const cur = useRef({ pos, maxScroll, page, view, onClose: p.onClose, write: p.writeTerminal });
  cur.current = { pos, maxScroll, page, view, onClose: p.onClose, write: p.writeTerminal };

  const onInput = (input: string, key: Key): void => {
    const { pos, maxScroll, page, view } = cur.current;
    const cmd = resolveCommand(keyName(input, key), { overlay: 'inspector', replay: false });
    const go = (to: number): void => setScroll(Math.max(0, Math.min(maxScroll, to)));
    switch (cmd) {
      case 'back':
        cur.current.onClose();
        return;
      case 'up':
        go(pos - 1);
        return;
      case 'down':
        go(pos + 1);
        return;
      case 'pageUp':
        go(pos - page);
        return;
      case 'pageDown':
        go(pos + page);
        return;
      case 'first':
        go(0);
        return;
      case 'last':
        go(maxScroll);
        return;
      case 'reveal':
        setReveal((r) => !r);
        setNotice('');
        return;
      case 'copy': {
        if (!view) return;
        const plan = copyPlan(view);
        if (plan.bytes) (cur.current.write ?? defaultWriteTerminal)(plan.bytes);
        setNotice(plan.notice);
        return;
      }
    }
  };
  useInput(onInput);
  useEarlyKeys();

  const lines = useMemo(
    () => inspectorLines({ width: p.width, height: p.height, theme: p.theme, row: p.row, auditID: p.auditID, view, wrapped, scroll: pos, reveal, notice }),
    [p.width, p.height, p.theme, p.row, p.auditID, view, wrapped, pos, reveal, notice],
  );
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
