import { memo, useMemo } from 'react';
import { DIMENSIONS, type Dimension, type TopEntry, type Window } from '../../model/types.js';
import { fit } from '../../model/sanitize.js';
import { blank, borderBottom, borderTop, framed, topRow } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines } from './Lines.js';

export interface TopProps {
  width: number;
  height: number;
  theme: Theme;
  focused: boolean;
  entries: readonly TopEntry[];
  dim: Dimension;
  window: Window;
  sel: number;
}

export const DIMENSION_TITLES: Record<Dimension, string> = {
  users: 'users',
  verbs: 'verbs',
  resources: 'resources',
  namespaces: 'namespaces',
  sourceIPs: 'source IPs',
  userAgents: 'user agents',
  codes: 'codes',
};

const SHORT: Record<Dimension, string> = {
  users: 'users', verbs: 'verbs', resources: 'res', namespaces: 'ns', sourceIPs: 'IPs', userAgents: 'agents', codes: 'codes',
};

/** "1 users 2 verbs …" with the current one bright; shortened until it fits. */
export function dimensionLegend(dim: Dimension, width: number, t: Theme): string {
  for (const [labels, numbered] of [[DIMENSION_TITLES, true], [SHORT, true], [SHORT, false]] as const) {
    const parts = DIMENSIONS.map((d, i) => (numbered ? `${i + 1} ${labels[d]}` : labels[d]));
    const plain = ` ${parts.join(' ')} `;
    if (plain.length <= width) {
      return ' ' + DIMENSIONS.map((d, i) => t.paint(parts[i]!, d === dim ? 'title' : 'dim')).join(' ') + ' ';
    }
  }
  return '';
}

export function topPaneLines(p: TopProps): string[] {
  const { width, height, theme: t, focused } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const max = p.entries.reduce((m, e) => Math.max(m, e.count), 0);
  const body: string[] = [];
  const span = p.window === 'all' ? 'since start' : `last ${p.window}`;
  if (p.entries.length === 0) body.push(t.paint(fit(` no requests in the ${span === 'since start' ? 'buffer' : span}`, inner), 'dim'));
  const sel = Math.min(p.sel, Math.max(0, p.entries.length - 1));
  const start = Math.max(0, sel - innerH + 1);
  for (let i = start; i < p.entries.length && body.length < innerH; i++) {
    body.push(topRow(p.entries[i]!, max, inner, t, focused && i === sel));
  }
  const out = [borderTop(`Top ${DIMENSION_TITLES[p.dim]} (${p.window})`, width, t, focused, 'w window')];
  for (let i = 0; i < innerH; i++) out.push(framed(body[i] ?? blank(inner), t, focused));
  out.push(borderBottom(width, t, focused, dimensionLegend(p.dim, inner - 2, t)));
  return out;
}

export const Top = memo(function Top(p: TopProps) {
  const lines = useMemo(() => topPaneLines(p), [p.width, p.height, p.theme, p.focused, p.entries, p.dim, p.window, p.sel]);
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
