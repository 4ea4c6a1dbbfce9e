import { memo, useMemo } from 'react';
import { fit } from '../../model/sanitize.js';
import type { AlertGroup } from '../../state/store.js';
import { alertLines, blank, borderBottom, borderTop, framed, grouped } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines } from './Lines.js';

export interface AlertsProps {
  width: number;
  height: number;
  theme: Theme;
  focused: boolean;
  /** newest first */
  groups: readonly AlertGroup[];
  /** id of the selected group (null = the newest, highlighted only when focused) */
  selId: number | null;
  twoLines: boolean;
  /** every occurrence, grouped or not */
  total: number;
}

/** Index of the selected group in the list (0 when none or gone). */
export function selectedAlertIndex(groups: readonly AlertGroup[], selId: number | null): number {
  if (selId === null) return 0;
  const i = groups.findIndex((g) => g.id === selId);
  return i < 0 ? 0 : i;
}

export function alertsPaneLines(p: AlertsProps): string[] {
  const { width, height, theme: t, focused } = p;
  const inner = Math.max(0, width - 2);
  const innerH = Math.max(0, height - 2);
  const per = p.twoLines ? 2 : 1;
  const visible = Math.max(1, Math.floor(innerH / per));
  const sel = selectedAlertIndex(p.groups, p.selId);
  // scroll only as far as needed to keep the selection on screen
  const start = Math.max(0, sel - visible + 1);
  const body: string[] = [];
  if (p.groups.length === 0) body.push(t.paint(fit(' no alerts yet', inner), 'dim'));
  for (let i = start; i < p.groups.length && body.length < innerH; i++) {
    const g = p.groups[i]!;
    body.push(...alertLines(g, inner, t, focused && i === sel, p.twoLines));
  }
  const title = p.total > 0 ? `Alerts ${grouped(p.total)}` : 'Alerts';
  const right = p.groups.length > visible ? `${sel + 1}/${p.groups.length}` : '';
  const out = [borderTop(title, width, t, focused, right)];
  for (let i = 0; i < innerH; i++) out.push(framed(body[i] ?? blank(inner), t, focused));
  out.push(borderBottom(width, t, focused));
  return out;
}

export const Alerts = memo(function Alerts(p: AlertsProps) {
  const lines = useMemo(() => alertsPaneLines(p), [p.width, p.height, p.theme, p.focused, p.groups, p.selId, p.twoLines, p.total]);
  return <Lines lines={lines} width={p.width} height={p.height} />;
});
