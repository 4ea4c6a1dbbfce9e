import { describe, expect, it } from 'vitest';
import { MIN_COLS, MIN_ROWS, computeLayout, innerRows, type LayoutState, type MainLayout, type Rect } from '../../src/ui/layout.js';

const st: LayoutState = { focus: 'feed', zoom: false, overlay: null };
const main = (c: number, r: number, s: Partial<LayoutState> = {}): MainLayout => {
  const l = computeLayout(c, r, { ...st, ...s });
  if (l.kind !== 'main') throw new Error(`too small at ${c}x${r}`);
  return l;
};
const within = (r: Rect, l: MainLayout): boolean => r.x >= 0 && r.y >= 1 && r.x + r.width <= l.width && r.y + r.height <= l.height - 1;
const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('computeLayout', () => {
  it.each([
    [80, 24],
    [100, 30],
    [120, 40],
    [160, 48],
    [200, 60],
    [MIN_COLS, MIN_ROWS],
  ])('at %dx%d keeps the root one row short and tiles the body without overlap', (c, r) => {
    const l = main(c, r);
    expect(l.height).toBe(r - 1);
    expect(l.width).toBe(c);
    expect(l.status).toEqual({ x: 0, y: 0, width: c, height: 1 });
    expect(l.hints.y).toBe(r - 2);
    const panes = Object.values(l.panes);
    expect(panes).toHaveLength(3);
    let area = 0;
    for (const p of panes) {
      expect(within(p, l)).toBe(true);
      expect(p.height).toBeGreaterThanOrEqual(3);
      area += p.width * p.height;
    }
    for (let i = 0; i < panes.length; i++) for (let j = i + 1; j < panes.length; j++) expect(overlaps(panes[i]!, panes[j]!)).toBe(false);
    expect(area).toBe(l.body.width * l.body.height);
  });

  it('stacks the panes at 80x24 and gives the room to the focused one (Tab moves it)', () => {
    const l = main(80, 24);
    expect(l.arrangement).toBe('stacked');
    expect(innerRows(l.panes.feed)).toBeGreaterThanOrEqual(10);
    expect(innerRows(l.panes.alerts)).toBeGreaterThanOrEqual(1);
    const a = main(80, 24, { focus: 'alerts' });
    expect(a.panes.alerts!.height).toBeGreaterThan(a.panes.feed!.height);
  });

  it('zooms the focused pane to the whole body', () => {
    const l = main(80, 24, { zoom: true, focus: 'top' });
    expect(l.arrangement).toBe('zoomed');
    expect(Object.keys(l.panes)).toEqual(['top']);
    expect(l.panes.top).toEqual(l.body);
  });

  it('is generous at 200x60: feed beside alerts over top-N', () => {
    const l = main(200, 60);
    expect(l.arrangement).toBe('wide');
    expect(l.panes.feed!.width).toBeGreaterThanOrEqual(120);
    expect(l.panes.feed!.height).toBe(57);
    expect(l.panes.alerts!.x).toBe(l.panes.feed!.width);
    expect(l.panes.top!.y).toBe(l.panes.alerts!.y + l.panes.alerts!.height);
    expect(innerRows(l.panes.top)).toBeGreaterThanOrEqual(7);
  });

  it('says too small below the minimum', () => {
    expect(computeLayout(MIN_COLS - 1, 40, st).kind).toBe('too-small');
    expect(computeLayout(120, MIN_ROWS - 1, st).kind).toBe('too-small');
    expect(computeLayout(0, 0, st)).toMatchObject({ kind: 'too-small', minWidth: MIN_COLS, minHeight: MIN_ROWS });
  });

  it('covers the body with help, search and the inspector; the filter prompt takes the bottom rows', () => {
    for (const o of ['help', 'search', 'inspector'] as const) {
      const l = main(120, 40, { overlay: o });
      expect(l.overlay).toEqual(l.body);
      expect(Object.keys(l.panes)).toHaveLength(0);
    }
    const f = main(120, 40, { overlay: 'filter' });
    expect(f.overlay!.y + f.overlay!.height).toBe(f.body.y + f.body.height);
    for (const p of Object.values(f.panes)) expect(overlaps(p, f.overlay!)).toBe(false);
  });
});
