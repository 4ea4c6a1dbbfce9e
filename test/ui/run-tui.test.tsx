import { describe, expect, it } from 'vitest';
import { FakeStdin, FakeTty } from '../../src/bench/fake-tty.js';
import { resolveConfig } from '../../src/config.js';
import { NO_DETECTOR } from '../../src/detect/types.js';
import type { Source, SourceItem } from '../../src/ingest/source.js';
import { Engine } from '../../src/model/engine.js';
import { runTui } from '../../src/ui/run-tui.js';

function source(items: () => AsyncIterable<SourceItem>): Source & { closed: boolean } {
  const s = { name: 'test.log', closed: false, items, close: async () => void (s.closed = true) };
  return s;
}

const config = resolveConfig(['replay', 'test.log'], { speed: 'max' }, { stdoutIsTTY: true, env: { LANG: 'C.UTF-8' }, now: Date.now() });

async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('runTui', () => {
  it('enters the alternate screen before drawing and restores the terminal on quit', async () => {
    const stdout = new FakeTty(100, 30, true);
    const stdin = new FakeStdin();
    const stderr = new FakeTty(100, 30, true);
    const src = source(async function* () {
      yield { kind: 'lines', source: 'test.log', lines: [JSON.stringify({ auditID: 'a1', stage: 'ResponseComplete', verb: 'get', user: { username: 'alice' }, stageTimestamp: '2026-11-21T10:00:00Z' })] };
    });
    const engine = new Engine({ bufferEvents: 100, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    const done = runTui(engine, [src], config, { stdout: stdout as never, stdin: stdin as never, stderr: stderr as never });
    await waitFor(() => stdout.out.includes('alice'));
    expect(stdout.out.startsWith('\x1b[?1049h')).toBe(true);
    expect(stdin.raw).toBe(true);
    stdin.press('q');
    expect(await done).toBe(0);
    expect(stdout.out.endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    expect(stdin.raw).toBe(false);
    expect(src.closed).toBe(true);
    expect(stderr.out).toBe('');
  });

  it('restores the terminal first, then reports an unexpected error in one line, exit 1', async () => {
    const stdout = new FakeTty(100, 30, true);
    const stdin = new FakeStdin();
    const stderr = new FakeTty(100, 30, true);
    const src = source(async function* () {
      yield { kind: 'notice', source: 'test.log', message: 'starting' };
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('disk on fire\n    at somewhere (file.js:1:1)');
    });
    const engine = new Engine({ bufferEvents: 100, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    const code = await runTui(engine, [src], config, { stdout: stdout as never, stdin: stdin as never, stderr: stderr as never });
    expect(code).toBe(1);
    expect(stdout.out.endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    expect(stderr.out).toBe('auditop: disk on fire\n');
  });
});

describe('run-tui loading order', () => {
  it('loads neither ink nor react (nor a JSX runtime) before it has set their environment', async () => {
    const { readFileSync } = await import('node:fs');
    const ts = (await import('typescript')).default;
    // run-tui and everything it imports statically, compiled as the build compiles them
    const files = ['ui/run-tui.tsx', 'ui/format.ts', 'ui/layout.ts', 'ui/screen-writer.ts', 'ui/theme.ts', 'state/store.ts', 'state/filtered-view.ts'];
    for (const f of files) {
      const text = readFileSync(new URL(`../../src/${f}`, import.meta.url), 'utf8');
      const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.ReactJSX, verbatimModuleSyntax: false }, fileName: f }).outputText;
      expect(js, f).not.toMatch(/^import[^;]*from ["'](ink|react)(\/[^"']*)?["'];/m);
    }
  });
});

describe('screenView', () => {
  it('a filtered view holds no more than the real buffer (--buffer-bytes)', async () => {
    const { screenView } = await import('../../src/ui/run-tui.js');
    const { decodeLine } = await import('../../src/ingest/decode.js');
    const bufferBytes = 64 * 1024;
    const engine = new Engine({ bufferEvents: 10_000, bufferBytes, detector: NO_DETECTOR });
    const view = screenView(engine, { bufferEvents: 10_000, bufferBytes });
    view.setFilter('user:alice');
    await new Promise((r) => setTimeout(r, 20));
    const pad = 'x'.repeat(2000);
    for (let i = 0; i < 500; i++) {
      const line = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${i}`, stage: 'ResponseComplete', requestURI: `/api/v1/pods?x=${pad}`, verb: 'get', user: { username: 'alice' }, sourceIPs: ['10.0.0.1'], objectRef: { resource: 'pods', namespace: 'ns', name: `p${i}` }, responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-11-21T10:00:00.000000Z', stageTimestamp: '2026-11-21T10:00:00.010000Z' });
      decodeLine(line, 'test', engine);
    }
    expect(engine.rows.size).toBeLessThan(500);
    expect(view.rows.size).toBeLessThanOrEqual(engine.rows.size);
    view.dispose();
  });
});

describe('warmWhenIdle', () => {
  it('builds the search caches while ingest is idle, and not during a full-speed ingest', async () => {
    const { vi } = await import('vitest');
    const { warmWhenIdle, IDLE_WARM_MS, IDLE_WARM_MAX_EVENTS } = await import('../../src/ui/run-tui.js');
    const { Searcher } = await import('../../src/state/search.js');
    const { decodeLine } = await import('../../src/ingest/decode.js');
    vi.useFakeTimers();
    try {
      const engine = new Engine({ bufferEvents: 100_000, bufferBytes: 1e9, detector: NO_DETECTOR });
      let n = 0;
      const add = (k: number) => {
        for (let i = 0; i < k; i++, n++) {
          decodeLine(JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `w-${n}`, stage: 'ResponseComplete', requestURI: '/api/v1/pods', verb: 'get', user: { username: `user-${n % 50}` }, objectRef: { resource: 'pods', namespace: `ns-${n % 7}`, name: `pod-${n}` }, responseStatus: { code: 200 }, stageTimestamp: '2026-11-21T10:00:00.000000Z' }), 't', engine);
        }
      };
      add(5_000);
      const searcher = new Searcher(() => engine.rows);
      const budgets: number[] = [];
      const stop = warmWhenIdle(engine, (ms) => {
        budgets.push(ms);
        searcher.warm(ms);
      });
      // heavy ingest: more than the light threshold arrives at every look, nothing is warmed
      for (let t = 0; t < 5; t++) {
        add(IDLE_WARM_MAX_EVENTS + 1);
        vi.advanceTimersByTime(IDLE_WARM_MS);
      }
      expect(budgets).toEqual([]);
      expect(searcher.vocabulary.behind(engine.rows)).toBe(true);
      // idle: slices until the caches are current
      for (let t = 0; t < 200 && searcher.vocabulary.behind(engine.rows); t++) vi.advanceTimersByTime(IDLE_WARM_MS);
      expect(searcher.vocabulary.behind(engine.rows)).toBe(false);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
