/**
 * The decode worker gives the engine exactly what in-thread decoding gives it. The worker thread
 * loads compiled JavaScript, so these tests drive the build in dist/ (`npm test` builds first);
 * under the TypeScript sources the worker cannot load and the pipeline must fall back in-thread.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateTraffic } from '../../src/demo/traffic.js';
import * as srcFileSource from '../../src/ingest/file-source.js';
import * as srcPipeline from '../../src/ingest/pipeline.js';
import * as srcEngine from '../../src/model/engine.js';
import { NO_DETECTOR } from '../../src/detect/types.js';
import { eventFields, fixture } from './collect.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));
const built = existsSync(dist('ingest/offload.js'));

interface Mods {
  openFileSource: typeof srcFileSource.openFileSource;
  consume: typeof srcPipeline.consume;
  Engine: typeof srcEngine.Engine;
  PackedEvent?: new () => object;
}

async function distMods(): Promise<Mods> {
  const fs = (await import(dist('ingest/file-source.js'))) as typeof srcFileSource;
  const pl = (await import(dist('ingest/pipeline.js'))) as typeof srcPipeline;
  const en = (await import(dist('model/engine.js'))) as typeof srcEngine;
  const pe = (await import(dist('model/packed-event.js'))) as { PackedEvent: new () => object };
  return { openFileSource: fs.openFileSource, consume: pl.consume, Engine: en.Engine, PackedEvent: pe.PackedEvent };
}

const srcMods: Mods = { openFileSource: srcFileSource.openFileSource, consume: srcPipeline.consume, Engine: srcEngine.Engine };

interface Run {
  events: unknown[];
  packed: number;
  summary: unknown;
  counts: unknown;
  malformed: unknown;
  notices: string[];
  progress: unknown;
  rows: number;
  rowBytes: number;
}

async function replay(m: Mods, mode: '0' | '1', paths: string[], opts: { maxLineBytes?: number; chunkBytes?: number; stopAfter?: number; paced?: number[] } = {}): Promise<Run> {
  const before = process.env.AUDITOP_DECODE_WORKER;
  process.env.AUDITOP_DECODE_WORKER = mode;
  try {
    const engine = new m.Engine({ bufferEvents: 500, bufferBytes: 400_000, detector: NO_DETECTOR });
    const src = m.openFileSource(paths, { maxLineBytes: opts.maxLineBytes ?? 16 << 20, ...(opts.chunkBytes ? { chunkBytes: opts.chunkBytes } : {}) });
    const out: Run = { events: [], packed: 0, summary: null, counts: null, malformed: null, notices: [], progress: null, rows: 0, rowBytes: 0 };
    engine.subscribe({
      onEvent: (ev, row) => {
        if (m.PackedEvent && ev instanceof m.PackedEvent) out.packed++;
        out.events.push({ ...eventFields(ev), seq: row.seq, stages: [...row.stages], row: eventFields(row.ev), rowBytes: row.bytes });
        if (opts.stopAfter !== undefined && out.events.length === opts.stopAfter) void src.close();
      },
      onNotice: (_s, msg) => out.notices.push(msg),
    });
    const paced = opts.paced;
    // A pacer that sometimes makes the pipeline wait, as replay at a set speed does.
    const pace = paced === undefined ? undefined : (ts: number) => (paced.push(ts) % 97 === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined);
    await m.consume(src, engine, pace ? { pace } : {});
    await src.close();
    out.summary = engine.summary();
    out.counts = { ...engine.counts };
    out.malformed = engine.recentMalformed();
    out.progress = engine.progressInfo;
    out.rows = engine.rows.size;
    out.rowBytes = engine.rows.weight;
    return out;
  } finally {
    if (before === undefined) delete process.env.AUDITOP_DECODE_WORKER;
    else process.env.AUDITOP_DECODE_WORKER = before;
  }
}

let dir = '';
let traffic = '';
let withLong = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'auditop-offload-'));
  const gen = generateTraffic({ seed: 11, start: Date.UTC(2026, 0, 1), eventsPerSecond: 300 });
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify(gen.next().value));
  traffic = join(dir, 'traffic.log');
  writeFileSync(traffic, `${lines.join('\n')}\n`);
  withLong = join(dir, 'long.log');
  writeFileSync(withLong, `${lines.slice(0, 50).join('\n')}\n{"kind":"Event","auditID":"big","verb":"get","x":"${'x'.repeat(300_000)}"}\nnot json\n${lines.slice(50, 100).join('\n')}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = (): string[] =>
  readdirSync(fixture(''))
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => fixture(f));

describe.skipIf(!built)('decode worker (dist build)', () => {
  it('gives the engine the same events, rows, counts, malformed lines, notices and progress as in-thread', async () => {
    const m = await distMods();
    const cases: [string[], { maxLineBytes?: number; chunkBytes?: number }][] = [
      [[traffic], { chunkBytes: 64 * 1024 }],
      [[traffic], {}],
      [fixtures(), {}],
      [fixtures(), { chunkBytes: 7 }],
      [[withLong], { maxLineBytes: 100_000, chunkBytes: 32 * 1024 }],
    ];
    for (const [paths, opts] of cases) {
      const inThread = await replay(m, '0', paths, opts);
      const worker = await replay(m, '1', paths, opts);
      expect(inThread.packed).toBe(0);
      expect(worker.packed, 'events came through the worker').toBeGreaterThan(0);
      expect(worker).toEqual({ ...inThread, packed: worker.packed });
    }
  });

  it('the same when the main thread takes over the rest of every chunk the worker is decoding', async () => {
    const m = await distMods();
    const pl = (await import(dist('ingest/pipeline.js'))) as typeof srcPipeline;
    for (const chunkBytes of [256 * 1024, 1 << 20]) {
      const inThread = await replay(m, '0', [traffic], { chunkBytes });
      const before = pl.decodeStats.linesDecodedHere;
      process.env.AUDITOP_DEBUG_STEAL = '1';
      let worker: Run;
      try {
        worker = await replay(m, '1', [traffic], { chunkBytes });
      } finally {
        delete process.env.AUDITOP_DEBUG_STEAL;
      }
      expect(worker.packed).toBeGreaterThan(0);
      expect(worker).toEqual({ ...inThread, packed: worker.packed });
      // Every chunk but a short last one had lines left to this thread: without the take-over at most
      // every other chunk is (the hand-off at the start of a chunk, never two in a row).
      const chunks = Math.ceil(statSync(traffic).size / chunkBytes);
      if (chunks >= 8) expect(pl.decodeStats.linesDecodedHere - before).toBeGreaterThanOrEqual(chunks - 1);
    }
  });

  it('paces every event the same way, in the same order', async () => {
    const m = await distMods();
    const inThreadPaced: number[] = [];
    const workerPaced: number[] = [];
    const inThread = await replay(m, '0', [traffic], { chunkBytes: 64 * 1024, paced: inThreadPaced });
    const worker = await replay(m, '1', [traffic], { chunkBytes: 64 * 1024, paced: workerPaced });
    expect(workerPaced.length).toBe(3000);
    expect(workerPaced).toEqual(inThreadPaced);
    expect(worker).toEqual({ ...inThread, packed: worker.packed });
  });

  it('a worker started early for the same file is the one the pipeline uses, with the same result', async () => {
    const m = await distMods();
    const pre = (await import(dist('prestart.js'))) as typeof import('../../src/prestart.js');
    const off = (await import(dist('ingest/offload.js'))) as typeof import('../../src/ingest/offload.js');
    const inThread = await replay(m, '0', [traffic]);
    const before = { ...off.prestartStats };
    expect(pre.prestartFromArgv(['replay', traffic, '--no-tui', '--print', 'summary'], { AUDITOP_DECODE_WORKER: '1' })).toBe(true);
    expect(off.prestartedWorkerKey()).toContain(traffic);
    const early = await replay(m, '1', [traffic]);
    expect(off.prestartedWorkerKey()).toBeNull();
    expect(off.prestartStats).toEqual({ started: before.started + 1, claimed: before.claimed + 1, dropped: before.dropped });
    expect(early.packed).toBeGreaterThan(0);
    expect(early).toEqual({ ...inThread, packed: early.packed });
  });

  it('an early worker for another file is stopped and the pipeline starts its own', async () => {
    const m = await distMods();
    const pre = (await import(dist('prestart.js'))) as typeof import('../../src/prestart.js');
    const off = (await import(dist('ingest/offload.js'))) as typeof import('../../src/ingest/offload.js');
    const inThread = await replay(m, '0', [withLong], { maxLineBytes: 100_000 });
    const before = { ...off.prestartStats };
    expect(pre.prestartFromArgv(['replay', traffic], { AUDITOP_DECODE_WORKER: '1' }, false)).toBe(true);
    const other = await replay(m, '1', [withLong], { maxLineBytes: 100_000 });
    expect(off.prestartStats).toEqual({ started: before.started + 1, claimed: before.claimed, dropped: before.dropped + 1 });
    expect(other).toEqual({ ...inThread, packed: other.packed });
  });

  it('starts nothing early unless the command line is a full-speed replay of one regular file worth a worker', async () => {
    const pre = (await import(dist('prestart.js'))) as typeof import('../../src/prestart.js');
    const off = (await import(dist('ingest/offload.js'))) as typeof import('../../src/ingest/offload.js');
    const always = { AUDITOP_DECODE_WORKER: '1' };
    const cases: [string[], NodeJS.ProcessEnv][] = [
      [['replay', traffic, withLong], always],
      [['replay', traffic, '--since', '2026-01-01T00:00:00Z'], always],
      [['replay', traffic, '--until=2026-01-01T00:00:00Z'], always],
      [[traffic], always], // follow mode
      [['replay', '-'], always],
      [['replay', dir], always], // a directory: the plan comes from its sets
      [['replay', join(dir, 'missing.log')], always],
      [['replay', traffic, '--bogus'], always],
      [['replay', traffic, '--help'], always],
      [['replay', traffic], { AUDITOP_DECODE_WORKER: '0' }],
      [['replay', traffic], {}], // 3,000 events: below the size worth a worker
    ];
    for (const [argv, env] of cases) {
      expect(pre.prestartFromArgv(argv, env, false), argv.join(' ')).toBe(false);
      expect(off.prestartedWorkerKey()).toBeNull();
    }
    // paced replays read through the pacer, not the worker: on a terminal without --speed, or --speed N
    for (const argv of [['replay', traffic], ['replay', traffic, '--no-tui', '--speed', '100']]) {
      expect(pre.prestartFromArgv(argv, always, true), argv.join(' ')).toBe(false);
      expect(off.prestartedWorkerKey()).toBeNull();
    }
    // on a terminal at --speed max it does start (and is stopped here, unused)
    expect(pre.prestartFromArgv(['replay', traffic, '--speed', 'max'], always, true)).toBe(true);
    off.dropPrestartedWorker();
  });

  it('an early worker nobody asks for is stopped after a while', async () => {
    const pre = (await import(dist('prestart.js'))) as typeof import('../../src/prestart.js');
    const off = (await import(dist('ingest/offload.js'))) as typeof import('../../src/ingest/offload.js');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const dropped = off.prestartStats.dropped;
      expect(pre.prestartFromArgv(['replay', traffic], { AUDITOP_DECODE_WORKER: '1' }, false)).toBe(true);
      vi.advanceTimersByTime(9_000);
      expect(off.prestartedWorkerKey()).not.toBeNull();
      vi.advanceTimersByTime(1_000);
      expect(off.prestartedWorkerKey()).toBeNull();
      expect(off.prestartStats.dropped).toBe(dropped + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closing the source stops the worker and ends consume', async () => {
    const m = await distMods();
    const r = await replay(m, '1', [traffic], { chunkBytes: 16 * 1024, stopAfter: 100 });
    expect(r.events.length).toBeGreaterThanOrEqual(100);
    expect(r.events.length).toBeLessThan(3000);
  });

  it('an unreadable file fails the same way', async () => {
    const m = await distMods();
    const missing = join(dir, 'missing.log');
    // one after the other: replay() sets AUDITOP_DECODE_WORKER for its run, and a rejection must
    // have its handler before it happens
    await expect(replay(m, '0', [missing])).rejects.toThrow(/missing\.log/);
    await expect(replay(m, '1', [missing])).rejects.toThrow(/missing\.log/);
  });
});

describe('decode worker fallback', () => {
  it('where the worker cannot load (TypeScript sources), decodes in-thread with the same result', async () => {
    const inThread = await replay(srcMods, '0', [traffic], { chunkBytes: 64 * 1024 });
    const fallback = await replay(srcMods, '1', [traffic], { chunkBytes: 64 * 1024 });
    expect(fallback).toEqual(inThread);
  });
});
