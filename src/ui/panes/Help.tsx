import { memo, useMemo } from 'react';
import { fit } from '../../model/sanitize.js';
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

/** All lines of help content (before scrolling), generated from the keymap. */
export function helpContent(width: number, t: Theme): string[] {
  const out: string[] = [];
  const keysW = 16;
  for (const s of helpSections(t.ascii)) {
    if (out.length > 0) out.push(blank(width));
    out.push(t.paint(fit(` ${s.title}`, width), 'title'));
    for (const r of s.rows) {
      out.push(`   ${t.paint(fit(r.keys, keysW), 'accent')} ${fit(r.description, Math.max(0, width - keysW - 4), t.g.ellipsis)}`);
    }
  }
  // the `f` filter and `/` search share the --filter syntax: its keys, from the parser's own table
  out.push(blank(width));
  out.push(t.paint(fit(' Filter and search terms (f, /, --filter): key:value[,value]  -key:value  key:>=N  free words', width, t.g.ellipsis), 'title'));
  for (const k of FILTER_KEYS) {
    const names = [k.key, ...k.aliases].join(' ');
    out.push(`   ${t.paint(fit(names, keysW), 'accent')} ${fit(k.help, Math.max(0, width - keysW - 4), t.g.ellipsis)}`);
  }
  return out;
}

export function helpMaxScroll(width: number, height: number, t: Theme): number {
  return Math.max(0, helpContent(Math.max(0, width - 2), t).length - Math.max(0, height - 2));
}

export function helpLines(p: HelpProps): string[] {
  const { width, height, theme: t } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const content = helpContent(inner, t);
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
