import { memo, useMemo } from 'react';
import type { RequestRow } from '../../model/types.js';
import { fit } from '../../model/sanitize.js';
import { blank, borderBottom, borderTop, feedHeader, feedRow, framed, grouped } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines } from './Lines.js';

export interface FeedProps {
  width: number;
  height: number;
  theme: Theme;
  focused: boolean;
  /** the page to show, oldest first (already exactly the rows that fit) */
  rows: readonly RequestRow[];
  /** seq of the selected row, null for none */
  selSeq: number | null;
  header: boolean;
  /** requests newer than the bottom row (the view is not following) */
  newRows: number;
  following: boolean;
  requests: number;
  /** shown when the feed is empty (e.g. "waiting for /var/log/… to appear") */
  emptyText?: string;
}

/** The feed's lines: one row per request, newest at the bottom like `tail -f`. */
export function feedLines(p: FeedProps): string[] {
  const { width, height, theme: t, focused } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const state = p.following ? '' : p.newRows > 0 ? `+${grouped(p.newRows)} new, G follows` : 'G follows';
  const out = [borderTop(`Feed ${grouped(p.requests)}`, width, t, focused, state)];
  const body: string[] = [];
  if (p.header) body.push(feedHeader(inner, t));
  if (p.rows.length === 0) body.push(t.paint(fit(` ${p.emptyText ?? 'waiting for events…'}`, inner, t.g.ellipsis), 'dim'));
  for (const r of p.rows) body.push(feedRow(r, inner, t, r.seq === p.selSeq));
  for (let i = 0; i < innerH; i++) out.push(framed(body[i] ?? blank(inner), t, focused));
  out.push(borderBottom(width, t, focused));
  return out;
}

export const Feed = memo(function Feed(p: FeedProps) {
  const lines = useMemo(() => feedLines(p), [p.width, p.height, p.theme, p.focused, p.rows, p.selSeq, p.header, p.newRows, p.following, p.requests, p.emptyText]);
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
