import { memo, useMemo } from 'react';
import { displayWidth, fit } from '../../model/sanitize.js';
import { FILTER_KEYS } from '../../model/filter.js';
import { helpSections } from '../keymap.js';
import { blank, borderBottom, borderTop, framed } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines } from './Lines.js';

export interface HelpProps {
  width: number;
  height: number;
  theme: Theme;
  scroll: number;
}

/**
 * Words of `text` in lines of at most `width` columns (a word longer than a line is cut, with the
 * ellipsis); at least one line.
 */
export function wrapWords(text: string, width: number, ellipsis = '…'): string[] {
  if (width <= 0) return [''];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (displayWidth(line) + 1 + displayWidth(word) <= width) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
    if (displayWidth(line) > width) {
      out.push(fit(line, width, ellipsis));
      line = '';
    }
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

/** The last content built (opening help asks for it twice: scroll limit and lines). */
let lastContent: { width: number; t: Theme; lines: string[] } | null = null;

/** All lines of help content (before scrolling), generated from the keymap. */
export function helpContent(width: number, t: Theme): string[] {
  const last = lastContent;
  if (last !== null && last.width === width && last.t === t) return last.lines;
  const lines = buildHelpContent(width, t);
  lastContent = { width, t, lines };
  return lines;
}

/**
 * Build the help content once ahead of the first `?` (run-tui calls this in idle time after the first
 * frame): built cold, with its text-measuring code not yet compiled, it took ~25 ms more of the first
 * `?`'s answer (measured in a pty: first `?` 53-61 ms, later ones ~30 ms).
 */
export function warmHelp(width: number, t: Theme): void {
  boxContent(width, t);
}

/** The content of a help box `width` columns wide (inside its border): what helpLines draws from. */
function boxContent(width: number, t: Theme): string[] {
  return helpContent(Math.max(0, width - 2), t);
}

function buildHelpContent(width: number, t: Theme): string[] {
  const out: string[] = [];
  const keysW = 16;
  const descW = Math.max(0, width - keysW - 4);
  // a description longer than its column continues on the next lines, under itself (80 columns)
  // (keys wider than their column get a line of their own)
  const row = (keys: string, description: string): void => {
    const own = displayWidth(keys) > keysW;
    if (own) out.push(`   ${t.paint(fit(keys, Math.max(0, width - 3), t.g.ellipsis), 'accent')}`);
    wrapWords(description, descW, t.g.ellipsis).forEach((d, i) => {
      out.push(`   ${t.paint(fit(i === 0 && !own ? keys : '', keysW), 'accent')} ${fit(d, descW, t.g.ellipsis)}`);
    });
  };
  for (const s of helpSections(t.ascii)) {
    if (out.length > 0) out.push(blank(width));
    out.push(t.paint(fit(` ${s.title}`, width), 'title'));
    for (const r of s.rows) row(r.keys, r.description);
  }
  // the `f` filter and `/` search share the --filter syntax: its keys, from the parser's own table
  out.push(blank(width));
  for (const l of wrapWords('Filter and search terms (f, /, --filter): key:value[,value] -key:value key:>=N free words', Math.max(0, width - 1), t.g.ellipsis)) {
    out.push(t.paint(fit(` ${l}`, width, t.g.ellipsis), 'title'));
  }
  for (const k of FILTER_KEYS) row([k.key, ...k.aliases].join(' '), k.help);
  return out;
}

export function helpMaxScroll(width: number, height: number, t: Theme): number {
  return Math.max(0, boxContent(width, t).length - Math.max(0, height - 2));
}

export function helpLines(p: HelpProps): string[] {
  const { width, height, theme: t } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const content = boxContent(width, t);
  const start = Math.max(0, Math.min(p.scroll, content.length - innerH));
  const out = [borderTop('Help: keys', width, t, true, `Esc closes${content.length > innerH ? ', j/k scroll' : ''}`)];
  for (let i = 0; i < innerH; i++) out.push(framed(content[start + i] ?? blank(inner), t, true));
  out.push(borderBottom(width, t, true));
  return out;
}

export const Help = memo(function Help(p: HelpProps) {
  const lines = useMemo(() => helpLines(p), [p.width, p.height, p.theme, p.scroll]);
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
