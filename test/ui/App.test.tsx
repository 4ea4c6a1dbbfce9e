import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Ink decides at import time whether it runs in CI (and then draws only the final frame): clear the
// flag before ink is imported so the fake TTY gets every frame, as a real terminal does.
vi.hoisted(() => {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
});

import { Text, useInput } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { useEarlyKeys } from '../../src/ui/use-early-keys.js';
import { App, drillDownFilter, type AppProps, type FilterOverlayProps, type InspectorOverlayProps, type SearchOverlayProps } from '../../src/ui/App.js';
import { keyBytes, keyFor, type CommandId, type Scope } from '../../src/ui/keymap.js';
import { makeTheme } from '../../src/ui/theme.js';
import { FilterPrompt } from '../../src/ui/panes/FilterPrompt.js';
import { splitEscapeThenKey } from '../../src/ui/use-escape-then-key.js';
import { PUBLISH_INTERVAL_MS, Store } from '../../src/state/store.js';
import { FakeEngine } from '../state/fake-engine.js';

const theme = makeTheme({ color: false, ascii: false });
const NOW = Date.parse('2026-11-21T14:02:11Z');
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Poll until the condition holds (renders are asynchronous; the machine may be slow). */
async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

function Inspector(p: InspectorOverlayProps) {
  return <>{`INSPECTOR ${p.auditID} ${p.row ? p.row.ev.user : 'gone'}`}</>;
}

function setup(over: Partial<AppProps> = {}) {
  const engine = new FakeEngine();
  for (let i = 0; i < 40; i++) engine.add({ user: i % 3 ? `user-${i % 5}@example.com` : 'system:kube-controller-manager', verb: i % 4 ? 'get' : 'delete', name: `pod-${i}` });
  engine.alert({ title: 'Exec into pod', auditID: 'id-5', user: 'mallory@example.com' });
  engine.alert({ title: 'Secret read', rule: 'secret-read', groupKey: 'sr', auditID: 'id-7', severity: 'medium' });
  engine.alert({ title: 'Secret read', rule: 'secret-read', groupKey: 'sr', auditID: 'id-8', severity: 'medium' });
  engine.rates = [1, 3, 7, 12, 9, 4];
  const store = new Store(engine, { feedEnd: null, feedPage: 10, topDim: 'users', topWindow: '5m', topN: 10, paused: false });
  const quit = vi.fn();
  const props: AppProps = {
    store, engine, cols: 120, rows: 30, theme, source: 'audit.log', mode: 'follow', onQuit: quit, now: NOW,
    overlays: { Inspector }, ...over,
  };
  const inst = render(<App {...props} />);
  const press = async (c: CommandId, scope?: Scope) => {
    inst.stdin.write(keyBytes(keyFor(c, scope)));
    await tick(5);
  };
  return { engine, store, inst, press, quit, props };
}

/** A search overlay that records what it is typed (like the real one: useInput + useEarlyKeys). */
function makeTypingSearch(typed: string[]) {
  return function TypingSearch(_p: SearchOverlayProps) {
    useInput((input) => {
      typed.push(input);
    });
    useEarlyKeys();
    return <Text>{`SEARCH ${typed.join('')}`}</Text>;
  };
}

describe('App', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });
  afterEach(() => cleanup());

  it('draws status bar, feed, alerts, top-N and hints at 120x30, root one row short', async () => {
    const { inst } = setup();
    await until(() => (inst.lastFrame() ?? '').includes('Top users'), 'first frame');
    const f = inst.lastFrame()!;
    const lines = f.split('\n');
    expect(lines.length).toBe(29);
    expect(lines[0]).toContain('auditop');
    expect(lines[0]).toContain('follow');
    expect(lines[0]).toContain('audit.log');
    expect(lines[0]).toContain('14:02:11');
    expect(f).toContain('Feed 40');
    expect(f).toContain('pod-39');
    expect(f).toContain('Alerts 3');
    expect(f).toContain('Exec into pod');
    expect(f).toMatch(/Secret read ×2/);
    expect(f).toContain('Top users (5m)');
    expect(lines[28]).toContain('/ search');
    expect(lines[28]).toContain('? help');
  });

  it('opens and closes the help overlay generated from the keymap', async () => {
    const { inst, press } = setup();
    await press('help');
    await until(() => inst.lastFrame()!.includes('Help: keys'), 'help');
    expect(inst.lastFrame()).toContain('fuzzy-search the buffered events');
    await press('back', 'help');
    await until(() => !inst.lastFrame()!.includes('Help: keys'), 'help closed');
    expect(inst.lastFrame()).toContain('Feed 40');
  });

  it('quits through the keymap', async () => {
    const { press, quit } = setup();
    await press('quit');
    await until(() => quit.mock.calls.length === 1, 'quit');
  });

  it('pauses: the feed freezes and the status bar counts what arrives', async () => {
    const { inst, press, engine } = setup();
    await press('pause');
    for (let i = 0; i < 7; i++) engine.add({ name: `late-${i}` });
    await until(() => inst.lastFrame()!.includes('PAUSED +7 new'), 'paused count');
    const f = inst.lastFrame()!;
    expect(f).not.toContain('late-6');
    await press('pause');
    await until(() => inst.lastFrame()!.includes('late-6'), 'resumed feed');
  });

  it('moves the selection up the feed and inspects the selected request', async () => {
    const { inst, press } = setup();
    await press('up');
    await press('up');
    await press('inspect');
    await until(() => inst.lastFrame()!.includes('INSPECTOR id-38'), 'inspector');
  });

  it('Tab focuses the alerts and Enter opens the alert event', async () => {
    const { inst, press } = setup();
    await press('nextPane');
    await press('down');
    await press('inspect');
    await until(() => inst.lastFrame()!.includes('INSPECTOR id-5 user-0@example.com'), 'alert inspector');
    await press('quit');
  });

  it('switches the top-N dimension and window', async () => {
    const { inst } = setup();
    await until(() => inst.lastFrame()!.includes('Top users'), 'first frame');
    inst.stdin.write('2');
    await until(() => inst.lastFrame()!.includes('Top verbs (5m)'), 'verbs');
    inst.stdin.write(keyBytes(keyFor('topWindow')));
    await until(() => inst.lastFrame()!.includes('Top verbs (1h)'), 'window');
  });

  it('Enter on a top-N row drills down with a filter', async () => {
    const applied: string[] = [];
    const FilterPrompt = (_: FilterOverlayProps) => null;
    const { inst, press } = setup({ onFilter: (e) => (applied.push(e), null), overlays: { Inspector, FilterPrompt } });
    await press('prevPane');
    await press('inspect');
    await until(() => inst.lastFrame()!.includes('filter: user:"system:kube-controller-manager"'), 'filter shown');
    expect(applied).toEqual([drillDownFilter('users', 'system:kube-controller-manager')]);
  });

  it('says the terminal is too small instead of drawing panes', async () => {
    const { inst } = setup({ cols: 50, rows: 10 });
    await until(() => (inst.lastFrame() ?? '').includes('too small'), 'too small');
    expect(inst.lastFrame()).toContain('terminal too small: 50×10');
    expect(inst.lastFrame()).not.toContain('Feed');
  });

  it('stacks the panes at 80x24 and Tab gives the room to the focused pane', async () => {
    const { inst, press } = setup({ cols: 80, rows: 24 });
    await until(() => (inst.lastFrame() ?? '').includes('Alerts 3'), 'first frame');
    let lines = inst.lastFrame()!.split('\n');
    expect(lines.length).toBe(23);
    const feedTop = lines.findIndex((l) => l.includes('Feed 40'));
    const alertsTop = lines.findIndex((l) => l.includes('Alerts 3'));
    expect(alertsTop - feedTop).toBeGreaterThan(8);
    await press('nextPane');
    const gap = (): number => {
      const ls = inst.lastFrame()!.split('\n');
      return ls.findIndex((l) => l.includes('Top users')) - ls.findIndex((l) => l.includes('Alerts 3'));
    };
    await until(() => gap() > 8, 'alerts get the room');
    lines = inst.lastFrame()!.split('\n');
    const topTop = lines.findIndex((l) => l.includes('Top users'));
    expect(topTop - lines.findIndex((l) => l.includes('Alerts 3'))).toBeGreaterThan(8);
  });

  it('maps space, +, - and ] to the replay pacer and shows its status', async () => {
    const calls: string[] = [];
    let status = { clock: Date.parse('2026-11-21T13:58:32Z'), speed: 10, paused: false, progress: 0.25 };
    const replay = {
      status: () => status,
      pause: () => (calls.push('pause'), (status = { ...status, paused: true })),
      resume: () => (calls.push('resume'), (status = { ...status, paused: false })),
      setSpeed: (x: number) => (calls.push(`speed ${x}`), (status = { ...status, speed: x })),
      jump: (ms: number) => calls.push(`jump ${ms}`),
    };
    const engine = new FakeEngine();
    engine.add();
    const store = new Store(engine, { feedEnd: null, feedPage: 10, topDim: 'users', topWindow: '5m', topN: 10, paused: false }, { replayStatus: () => replay.status() });
    const inst = render(<App store={store} engine={engine} cols={120} rows={30} theme={theme} source="incident.log" mode="replay" replay={replay} onQuit={() => undefined} now={NOW} />);
    await until(() => (inst.lastFrame() ?? '').includes('replay ×10'), 'replay status');
    expect(inst.lastFrame()).toMatch(/13:58:32 {2}███░░░░░░░ 25%/);
    expect(inst.lastFrame()).toContain('+ faster');
    for (const c of ['speedUp', 'speedUp', 'speedDown', 'jump', 'pause'] as const) {
      inst.stdin.write(keyBytes(keyFor(c)));
      await tick(5);
    }
    await until(() => calls.length === 5, 'pacer calls');
    expect(calls).toEqual(['speed 20', 'speed 40', 'speed 20', 'jump 60000', 'pause']);
    await until(() => inst.lastFrame()!.includes('replay PAUSED ×20'), 'paused status');
    inst.stdin.write(keyBytes(keyFor('pause')));
    await until(() => calls.length === 6, 'resume');
    expect(calls[5]).toBe('resume');
  });

  it('keys typed right after / (before the overlay is drawn) go to the search, not the main view', async () => {
    const typed: string[] = [];
    const { inst, quit } = setup({ overlays: { Inspector, Search: makeTypingSearch(typed) } });
    // three reads from the terminal in one go, before React re-renders: `/`, then `q`, then `ab`
    inst.stdin.write('/');
    inst.stdin.write('q');
    inst.stdin.write('ab');
    await until(() => typed.join('') === 'qab', 'typed qab');
    await tick(20);
    expect(quit).not.toHaveBeenCalled();
    expect(typed.join('')).toBe('qab');
  });

  it('a paste starting with / opens the search with the rest as its query', async () => {
    const typed: string[] = [];
    const { inst, quit } = setup({ overlays: { Inspector, Search: makeTypingSearch(typed) } });
    inst.stdin.write('/qux');
    await until(() => typed.join('') === 'qux', 'typed qux');
    await tick(20);
    expect(quit).not.toHaveBeenCalled();
    expect(typed.join('')).toBe('qux');
  });

  it('Enter that applies the filter prompt is not taken again by the main view (no inspector opens)', async () => {
    const applied: string[] = [];
    function Prompt(p: FilterOverlayProps) {
      useInput((_input, key) => {
        if (key.return && p.onApply('verb:delete') === null) p.onClose();
      });
      useEarlyKeys();
      return <Text>FILTER PROMPT</Text>;
    }
    const { inst, press } = setup({ overlays: { Inspector, FilterPrompt: Prompt }, onFilter: (e) => (applied.push(e), null) });
    await press('filter');
    await until(() => inst.lastFrame()!.includes('FILTER PROMPT'), 'prompt');
    inst.stdin.write('\r');
    await until(() => applied.length === 1 && !inst.lastFrame()!.includes('FILTER PROMPT'), 'applied');
    await tick(50);
    expect(inst.lastFrame()).not.toContain('INSPECTOR');
  });

  // A fast typist or `tmux send-keys Escape q` delivers ESC q in one read, which Ink reports as Alt-q.
  it('Esc then q in one read closes the help and quits', async () => {
    const { inst, press, quit } = setup();
    await press('help');
    await until(() => inst.lastFrame()!.includes('Help: keys'), 'help');
    inst.stdin.write('\x1bq');
    await until(() => quit.mock.calls.length === 1, 'quit');
  });

  it('Esc then q in one read closes the filter prompt (typing nothing) and quits', async () => {
    const applied: string[] = [];
    const { inst, press, quit } = setup({ overlays: { Inspector, FilterPrompt }, onFilter: (e) => (applied.push(e), null) });
    await press('filter');
    await until(() => inst.lastFrame()!.includes('Esc cancels'), 'prompt');
    inst.stdin.write('\x1bq');
    await until(() => quit.mock.calls.length === 1 && !inst.lastFrame()!.includes('Esc cancels'), 'prompt closed and quit');
    expect(applied).toEqual([]);
  });
});

describe('Esc then a key in one read', () => {
  it('is split into Esc and the key; escape sequences and Esc + control keys are left whole', () => {
    expect(splitEscapeThenKey('\x1bq')).toEqual(['\x1b', 'q']);
    expect(splitEscapeThenKey('\x1bG')).toEqual(['\x1b', 'G']);
    expect(splitEscapeThenKey('\x1b/')).toEqual(['\x1b', '/']);
    expect(splitEscapeThenKey('\x1b😀')).toEqual(['\x1b', '😀']);
    for (const whole of ['\x1b', 'q', 'qq', '\x1b[A', '\x1b[5~', '\x1bOA', '\x1b\x1b[A', '\x1b\x1b', '\x1b\x7f', '\x1b\r', '\x1bqq']) {
      expect(splitEscapeThenKey(whole), JSON.stringify(whole)).toBeNull();
    }
  });
});

