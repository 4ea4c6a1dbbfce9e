import { describe, expect, it } from 'vitest';
import { dimensionForKey, initialUiState, uiReducer, type UiAction, type UiState, type ViewContext } from '../../src/state/ui-reducer.js';

const view: ViewContext = { firstSeq: 100, lastSeq: 199, feedPage: 10, alertIds: [9, 7, 4], alertsPage: 2, topCount: 5, topPage: 3 };
const run = (s: UiState, ...as: UiAction[]): UiState => as.reduce(uiReducer, s);

describe('uiReducer', () => {
  it('starts following the feed with the feed focused', () => {
    const s = initialUiState();
    expect(s.focus).toBe('feed');
    expect(s.feed).toEqual({ end: null, sel: null });
    expect(s.paused).toBe(false);
    expect(s.overlay).toBeNull();
  });

  it('cycles focus both ways', () => {
    const s = initialUiState();
    expect(run(s, { type: 'focusNext' }).focus).toBe('alerts');
    expect(run(s, { type: 'focusNext' }, { type: 'focusNext' }, { type: 'focusNext' }).focus).toBe('feed');
    expect(run(s, { type: 'focusPrev' }).focus).toBe('top');
  });

  it('leaves follow on the first move up, selecting the newest row, then scrolls like less', () => {
    let s = run(initialUiState(), { type: 'move', delta: -1, view });
    expect(s.feed).toEqual({ end: 199, sel: 199 });
    s = run(s, ...Array.from({ length: 10 }, (): UiAction => ({ type: 'move', delta: -1, view })));
    expect(s.feed.sel).toBe(189);
    // the selection left the 10-row page at the top: the page scrolls by one
    expect(s.feed.end).toBe(198);
    s = run(s, { type: 'move', delta: 'pageUp', view });
    expect(s.feed.sel).toBe(179);
    expect(s.feed.end).toBe(188);
  });

  it('clamps feed movement to what is buffered', () => {
    let s = run(initialUiState(), { type: 'first', view });
    expect(s.feed).toEqual({ end: 109, sel: 100 });
    s = run(s, { type: 'move', delta: -5, view });
    expect(s.feed.sel).toBe(100);
    s = run(s, { type: 'move', delta: 500, view });
    expect(s.feed).toEqual({ end: 199, sel: 199 });
  });

  it('G follows again and unpauses', () => {
    const s = run(initialUiState(), { type: 'togglePause', lastSeq: 150 }, { type: 'move', delta: -3, view }, { type: 'last' });
    expect(s.paused).toBe(false);
    expect(s.feed).toEqual({ end: null, sel: null });
  });

  it('pause freezes the feed where it was and resuming follows again', () => {
    let s = run(initialUiState(), { type: 'togglePause', lastSeq: 150 });
    expect(s.paused).toBe(true);
    expect(s.feed).toEqual({ end: 150, sel: null });
    s = run(s, { type: 'togglePause', lastSeq: 180 });
    expect(s.paused).toBe(false);
    expect(s.feed.end).toBeNull();
  });

  it('moves the alert selection by group id, newest first', () => {
    let s = run(initialUiState(), { type: 'focusNext' }, { type: 'move', delta: 1, view });
    expect(s.alertSel).toBe(7);
    s = run(s, { type: 'move', delta: 5, view });
    expect(s.alertSel).toBe(4);
    s = run(s, { type: 'move', delta: -1, view });
    expect(s.alertSel).toBe(7);
    // the selected group stays selected when newer alerts arrive in front of it
    s = run(s, { type: 'move', delta: 1, view: { ...view, alertIds: [12, 9, 7, 4] } });
    expect(s.alertSel).toBe(4);
    expect(run(s, { type: 'last' }).alertSel).toBeNull();
    expect(run(s, { type: 'first', view }).alertSel).toBe(4);
  });

  it('moves within the top-N list and resets it on a new dimension or window', () => {
    let s = run(initialUiState(), { type: 'focus', pane: 'top' }, { type: 'move', delta: 2, view });
    expect(s.top.sel).toBe(2);
    s = run(s, { type: 'move', delta: 10, view });
    expect(s.top.sel).toBe(4);
    s = run(s, { type: 'setTopDim', dim: 'verbs' });
    expect(s.top).toMatchObject({ dim: 'verbs', sel: 0 });
    expect(run(s, { type: 'cycleWindow' }).top.window).toBe('1h');
    expect(run(s, { type: 'cycleWindow' }, { type: 'cycleWindow' }, { type: 'cycleWindow' }).top.window).toBe('1m');
  });

  it('opens and closes overlays; back from an inspector opened by search returns to the search', () => {
    let s = run(initialUiState(), { type: 'openHelp' });
    expect(s.overlay).toEqual({ kind: 'help', scroll: 0 });
    s = run(s, { type: 'helpScroll', delta: 5, max: 3 });
    expect(s.overlay).toEqual({ kind: 'help', scroll: 3 });
    s = run(s, { type: 'back' });
    expect(s.overlay).toBeNull();
    s = run(s, { type: 'openSearch' }, { type: 'openInspector', auditID: 'a1', from: 'search' }, { type: 'back' });
    expect(s.overlay).toEqual({ kind: 'search' });
    s = run(s, { type: 'back' });
    expect(s.overlay).toBeNull();
    s = run(s, { type: 'openInspector', auditID: 'a2', from: 'alerts' }, { type: 'back' });
    expect(s.overlay).toBeNull();
  });

  it('toggles zoom and maps top keys to dimensions in SPEC order', () => {
    expect(run(initialUiState(), { type: 'toggleZoom' }).zoom).toBe(true);
    expect(dimensionForKey(1)).toBe('users');
    expect(dimensionForKey(5)).toBe('sourceIPs');
    expect(dimensionForKey(7)).toBe('codes');
    expect(dimensionForKey(8)).toBeUndefined();
  });

  it('ignores movement on an empty buffer', () => {
    const empty: ViewContext = { ...view, firstSeq: 0, lastSeq: -1, alertIds: [] };
    const s = initialUiState();
    expect(run(s, { type: 'move', delta: -1, view: empty })).toEqual(s);
    expect(run(s, { type: 'first', view: empty })).toEqual(s);
  });
});
