import { afterEach, describe, expect, it, vi } from 'vitest';

// Ink decides at import time whether it runs in CI (then it draws only the final frame)
vi.hoisted(() => {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
});

import { cleanup, render } from 'ink-testing-library';
import { FilterPrompt, filterLines } from '../../../src/ui/panes/FilterPrompt.js';
import { Inspector, copyPlan, inspectorLines, osc52, wrapJson } from '../../../src/ui/panes/Inspector.js';
import { Search, highlightCell, scrollFor, searchLines, searchRow } from '../../../src/ui/panes/Search.js';
import { inspectJson } from '../../../src/state/redact.js';
import { keyBytes, keyFor, type CommandId, type Scope } from '../../../src/ui/keymap.js';
import { makeTheme } from '../../../src/ui/theme.js';
import { displayWidth } from '../../../src/model/sanitize.js';
import { FakeEngine } from '../../state/fake-engine.js';

const plain = makeTheme({ color: false, ascii: false });
const color = makeTheme({ color: true, ascii: false });
const ESC = '\u001b';

/** Poll a condition (Ink renders asynchronously); no fixed sleeps. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(() => cleanup());

function engineWith() {
  const engine = new FakeEngine();
  for (let i = 0; i < 60; i++) engine.add({ user: i % 2 ? 'system:node:worker-1' : 'alice@example.com', verb: 'get', resource: 'pods', namespace: 'prod', name: `web-${i}` });
  engine.add({ auditID: 'evil-1', user: 'mallory@example.com', verb: 'get', resource: 'secrets', namespace: 'payments', name: 'db-creds' });
  return engine;
}

describe('Search pane', () => {
  it('finds matches as you type, newest first, and Enter opens the selected one', async () => {
    const engine = engineWith();
    const onOpen = vi.fn();
    const onClose = vi.fn();
    const inst = render(<Search width={100} height={20} theme={plain} engine={engine} onOpen={onOpen} onClose={onClose} />);
    for (const ch of 'mallory') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('1 match'));
    const frame = inst.lastFrame()!;
    expect(frame).toContain('/ mallory');
    expect(frame).toContain('mallory@example.com');
    expect(frame).toContain('secrets payments/db-creds');
    inst.stdin.write(keyBytes(keyFor('apply', 'search')));
    await until(() => onOpen.mock.calls.length > 0).catch((e) => { console.log(inst.frames.slice(-3).join('\n----\n')); throw e; });
    expect(onOpen).toHaveBeenCalledWith('evil-1');
    inst.stdin.write(keyBytes(keyFor('back', 'search')));
    await until(() => onClose.mock.calls.length > 0);
  });

  it('typing q or j types text (it does not quit or move)', async () => {
    const engine = engineWith();
    const inst = render(<Search width={100} height={20} theme={plain} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    for (const ch of 'qj') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('/ qj'));
  });

  it('moves the selection with the keymap and keeps the query when reopened', async () => {
    const engine = engineWith();
    const inst = render(<Search width={100} height={12} theme={plain} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    for (const ch of 'alice') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('30 matches'));
    inst.stdin.write(keyBytes(keyFor('down', 'search')));
    inst.unmount();
    const again = render(<Search width={100} height={12} theme={plain} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    await until(() => (again.lastFrame() ?? '').includes('/ alice') && (again.lastFrame() ?? '').includes('30 matches'));
  });

  it('draws hostile field values sanitised, every line exactly the overlay width', () => {
    const engine = new FakeEngine();
    engine.add({ user: `eve${ESC}]0;pwned\u0007${ESC}[2J\u202Emallory`, userAgent: `${ESC}]52;c;ZXZpbA==\u0007` });
    const lines = searchLines({ width: 80, height: 10, theme: plain, query: 'mallory', sel: 1, top: 0, state: null });
    for (const l of lines) expect(displayWidth(l)).toBe(80);
    // rendered through the component too
    const inst = render(<Search width={80} height={10} theme={color} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    return until(() => (inst.lastFrame() ?? '').includes('evemallory')).then(() => {
      const f = inst.lastFrame()!;
      expect(f).not.toMatch(/\u001b\]|\u001b\[2J|\u202E|\u0007/);
    });
  });

  it('highlights match ranges and pads cells to their width', () => {
    const cell = highlightCell('alice@example.com', [[0, 5]], 10, color);
    expect(cell).toContain('\u001b[');
    expect(displayWidth(cell)).toBe(10);
    expect(highlightCell('alice', [[0, 5]], 8, plain)).toBe('alice   ');
  });

  it('scrolling keeps the selection on the page', () => {
    expect(scrollFor(12, 0, 10, 50)).toBe(3);
    expect(scrollFor(2, 5, 10, 50)).toBe(2);
  });
});

const secretRaw = JSON.stringify({
  kind: 'Event',
  auditID: 's1',
  verb: 'get',
  user: { username: 'mallory@example.com' },
  objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-creds' },
  responseObject: { metadata: { name: 'db-creds' }, data: { password: 'aHVudGVyMg==' } },
});

describe('Inspector pane', () => {
  it('shows the JSON with the secret redacted, r reveals, y copies with OSC 52', async () => {
    const engine = new FakeEngine();
    const row = engine.add({ auditID: 's1', user: 'mallory@example.com', resource: 'secrets', raw: secretRaw, hasResponseObject: true });
    const writes: string[] = [];
    const inst = render(<Inspector width={100} height={30} theme={plain} row={row} auditID="s1" onClose={() => {}} writeTerminal={(s) => writes.push(s)} />);
    await until(() => (inst.lastFrame() ?? '').includes('"password"'));
    let f = inst.lastFrame()!;
    expect(f).toContain('"password": "<redacted 12 chars>"');
    expect(f).not.toContain('aHVudGVyMg==');
    expect(f).toContain('1 secret value redacted: r reveals');
    inst.stdin.write(keyBytes(keyFor('copy', 'inspector')));
    await until(() => writes.length === 1);
    const b64 = /\u001b\]52;c;([A-Za-z0-9+/=]+)\u0007/.exec(writes[0]!)![1]!;
    const copied = Buffer.from(b64, 'base64').toString('utf8');
    expect(JSON.parse(copied).responseObject.data.password).toBe('<redacted 12 chars>');
    await until(() => (inst.lastFrame() ?? '').includes('to the clipboard (OSC 52), secrets redacted'));
    inst.stdin.write(keyBytes(keyFor('reveal', 'inspector')));
    await until(() => (inst.lastFrame() ?? '').includes('aHVudGVyMg=='));
    f = inst.lastFrame()!;
    expect(f).toContain('REVEALED');
  });

  it('scrolls with the keymap and says when the request is gone', async () => {
    const engine = new FakeEngine();
    const big = JSON.stringify({ auditID: 'b', items: Array.from({ length: 80 }, (_, i) => ({ n: `item-${i}` })) });
    const row = engine.add({ auditID: 'b', raw: big });
    const inst = render(<Inspector width={80} height={12} theme={plain} row={row} auditID="b" onClose={() => {}} />);
    await until(() => (inst.lastFrame() ?? '').includes('"items"'));
    inst.stdin.write(keyBytes(keyFor('last', 'inspector')));
    await until(() => (inst.lastFrame() ?? '').includes('item-79'));
    const gone = render(<Inspector width={80} height={12} theme={plain} row={undefined} auditID="zzz" onClose={() => {}} />);
    await until(() => (gone.lastFrame() ?? '').includes('request zzz is no longer buffered'));
  });

  it('wraps long values to the width and keeps unsafe characters escaped', () => {
    const view = inspectJson(JSON.stringify({ ua: `x${ESC}]0;t\u0007\u202E${'y'.repeat(200)}` }));
    const wrapped = wrapJson(view.lines, 40);
    expect(wrapped.length).toBeGreaterThan(5);
    const lines = inspectorLines({ width: 42, height: 20, theme: color, row: undefined, auditID: 'x', view: null, wrapped, scroll: 0, reveal: false, notice: '' });
    for (const l of lines) expect(displayWidth(l)).toBe(42);
    const text = wrapped.map((w) => w.tokens.map((t) => t.text).join('')).join('');
    expect(text).toContain('\\u001b]0;t\\u0007\\u202e');
    expect(text).not.toMatch(/[\u0007\u202E]/);
  });

  it('wraps a huge value in linear time and shows only its start', () => {
    const view = inspectJson(JSON.stringify({ blob: 'x'.repeat(2_000_000), cjk: '日本語'.repeat(5000) }));
    const wrapped = wrapJson(view.lines, 80);
    expect(wrapped.length).toBeLessThan(2000);
    const text = wrapped.map((w) => w.tokens.map((t) => t.text).join('')).join('\n');
    expect(text).toMatch(/1,983,6\d\d more characters not shown/);
    for (const w of wrapped) expect(w.indent + w.tokens.reduce((a, t) => a + displayWidth(t.text), 0)).toBeLessThanOrEqual(80);
  });

  it('refuses to copy what terminals would drop, and wraps for tmux', () => {
    const huge = inspectJson(JSON.stringify({ blob: 'x'.repeat(200_000) }));
    const plan = copyPlan(huge, {});
    expect(plan.bytes).toBe('');
    expect(plan.notice).toMatch(/too large to copy/);
    const small = inspectJson('{"a":1}');
    expect(copyPlan(small, {}).bytes).toBe(osc52(JSON.stringify({ a: 1 }, null, 2)));
    expect(copyPlan(small, { TMUX: '/tmp/tmux-0/default,1,0' }).bytes).toContain('\u001bPtmux;');
  });
});

describe('FilterPrompt pane', () => {
  it('checks as you type, marks the error, applies on Enter and closes', async () => {
    const applied: string[] = [];
    const onClose = vi.fn();
    const onApply = (e: string): string | null => {
      applied.push(e);
      return null;
    };
    const inst = render(<FilterPrompt width={100} height={3} theme={plain} current="" onApply={onApply} onClose={onClose} />);
    for (const ch of 'usr:bob') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes("unknown key 'usr'"));
    for (let i = 0; i < 7; i++) inst.stdin.write(keyBytes('backspace'));
    for (const ch of 'user:bob verb:delete') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('f> user:bob verb:delete'));
    expect(inst.lastFrame()).toContain('Enter applies');
    inst.stdin.write(keyBytes(keyFor('apply', 'filter')));
    await until(() => onClose.mock.calls.length > 0);
    expect(applied).toEqual(['user:bob verb:delete']);
  });

  it('shows the error onApply returns and keeps the prompt open', async () => {
    const onClose = vi.fn();
    const inst = render(<FilterPrompt width={100} height={3} theme={plain} current="ns:prod" onApply={() => 'not now'} onClose={onClose} />);
    await until(() => (inst.lastFrame() ?? '').includes('f> ns:prod'));
    expect(inst.lastFrame()).toContain('in force: ns:prod');
    inst.stdin.write(keyBytes(keyFor('apply', 'filter')));
    await until(() => (inst.lastFrame() ?? '').includes('not now'));
    expect(onClose).not.toHaveBeenCalled();
  });

  it('every line is exactly the width, also with a hostile expression', () => {
    for (const text of ['', 'user:alice', `name:${ESC}[2J\u202E`, 'x'.repeat(300)]) {
      const lines = filterLines({ width: 60, height: 3, theme: color, text, current: '', applyError: '' });
      expect(lines.length).toBe(3);
      for (const l of lines) expect(displayWidth(l)).toBe(60);
      expect(lines.join('')).not.toMatch(/\u001b\[2J|\u202E/);
    }
  });
});

describe('FilterPrompt with an expression and Enter in one chunk', () => {
  it('applies what was typed', async () => {
    const applied: string[] = [];
    const onClose = vi.fn();
    const inst = render(<FilterPrompt width={80} height={3} theme={plain} current="" onApply={(e) => (applied.push(e), null)} onClose={onClose} />);
    inst.stdin.write('verb:delete\r');
    await until(() => onClose.mock.calls.length > 0);
    expect(applied).toEqual(['verb:delete']);
  });
});

describe('Search pane in follow mode', () => {
  it('refreshes the results when requests arrive and keeps the selected request selected', async () => {
    const engine = engineWith();
    engine.add({ user: 'mallory@example.com', name: 'second' });
    const inst = render(<Search width={100} height={20} theme={plain} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    for (const ch of 'mallory') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('2 matches'));
    inst.stdin.write(keyBytes(keyFor('down', 'search')));
    await until(() => /^│>.*db-creds/m.test(inst.lastFrame() ?? ''));
    engine.add({ user: 'mallory@example.com', name: 'third' });
    await until(() => (inst.lastFrame() ?? '').includes('3 matches'), 4000);
    const f = inst.lastFrame()!;
    expect(f).toMatch(/^│>.*db-creds/m); // still the same request, now one row lower
    expect(f.indexOf('third')).toBeLessThan(f.indexOf('second'));
  });
});

describe('ASCII mode (--ascii, or a locale that is not UTF-8)', () => {
  it('search, inspector and filter prompt draw only ASCII around ASCII data', async () => {
    const ascii = makeTheme({ color: false, ascii: true });
    const engine = new FakeEngine();
    const raw = JSON.stringify({ auditID: 'r1', objectRef: { resource: 'secrets' }, responseObject: { data: { k: 'c2VjcmV0' } }, requestObject: { spec: { image: 'evil.example/miner:1.0' }, pad: 'x'.repeat(200) } });
    engine.add({ auditID: 'r1', raw, resource: 'secrets', hasResponseObject: true });
    const inst = render(<Search width={80} height={10} theme={ascii} engine={engine} onOpen={() => {}} onClose={() => {}} />);
    for (const ch of 'miner') inst.stdin.write(ch);
    await until(() => (inst.lastFrame() ?? '').includes('json: ~'));
    expect(inst.lastFrame()).toContain('miner');
    expect(inst.lastFrame()).toMatch(/^[\x20-\x7e\n]*$/);
    const view = inspectJson(raw);
    const lines = inspectorLines({ width: 60, height: 12, theme: ascii, row: engine.rows.at(0), auditID: 'r1', view, wrapped: wrapJson(view.lines, 58), scroll: 0, reveal: false, notice: '' });
    expect(lines.join('\n')).toMatch(/^[\x20-\x7e\n]*$/);
    expect(filterLines({ width: 60, height: 3, theme: ascii, text: 'user:x', current: 'ns:a', applyError: '' }).join('\n')).toMatch(/^[\x20-\x7e\n]*$/);
  });
});

describe('requests that raised an alert', () => {
  it('carry the alert mark in search results and the severity in the inspector', () => {
    const engine = new FakeEngine();
    const row = engine.add({ user: 'mallory@example.com', subresource: 'exec' });
    row.alert = 'high';
    const hit = { row, kind: 'field' as const, highlights: {} };
    expect(searchRow(hit, 80, plain, false).startsWith('▌')).toBe(true);
    const view = inspectJson(row.ev.raw);
    const lines = inspectorLines({ width: 80, height: 10, theme: plain, row, auditID: row.auditID, view, wrapped: wrapJson(view.lines, 78), scroll: 0, reveal: false, notice: '' });
    expect(lines[1]).toMatch(/^│HIGH  \d\d:\d\d:\d\d  mallory@example\.com/);
  });
});
