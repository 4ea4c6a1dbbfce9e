import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_DETECTOR } from '../../../src/detect/types.js';
import { fileSourcePlan } from '../../../src/ingest/file-source.js';
import { consume } from '../../../src/ingest/pipeline.js';
import { PACED_BATCH, createReplay, replayOf } from '../../../src/ingest/replay/index.js';
import type { PacerClock } from '../../../src/ingest/replay/pacer.js';
import { Engine } from '../../../src/model/engine.js';
import { series, T0, tempDir, writeLog } from './helpers.js';

const fakeClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

describe('createReplay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is found among the sources with its pacer, and headless --speed max runs unpaced', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', series('e', T0, 10, 1_000));
    const headless = await createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 'max' }, { unpaced: true });
    expect(replayOf([headless.source])?.pacer).toBe(headless.pacer);
    expect(headless.pace).toBeUndefined();
    const engine = new Engine({ bufferEvents: 100, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    await consume(headless.source, engine, {});
    expect(engine.counts.events).toBe(10);
    expect(headless.pacer.status()).toMatchObject({ finished: true, progress: 1 });
    const screen = await createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 'max' });
    expect(screen.pace).toBeDefined(); // the screen's pause key needs the pacer even at max
  });

  it('hands a plain one-set headless replay to the pipeline as a file source (eligible for the decode worker)', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log.1', series('a', T0, 5, 1_000));
    writeLog(dir, 'audit.log', series('b', T0 + 5_000, 5, 1_000));
    const other = tempDir();
    writeLog(other, 'audit.log', series('c', T0, 5, 1_000));
    const cfg = { maxLineBytes: 1 << 20, speed: 'max' as const };
    const plain = await createReplay({ ...cfg, paths: [dir] }, { unpaced: true });
    expect(fileSourcePlan(plain.source)?.paths.map((p) => p.split('/').pop())).toEqual(['audit.log.1', 'audit.log']);
    const engine = new Engine({ bufferEvents: 100, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    await consume(plain.source, engine, {});
    expect(engine.counts.events).toBe(10);
    // merging, a window or a screen need the replay source itself
    expect(fileSourcePlan((await createReplay({ ...cfg, paths: [dir, other] }, { unpaced: true })).source)).toBeUndefined();
    expect(fileSourcePlan((await createReplay({ ...cfg, paths: [dir], until: { kind: 'log', from: 'start', offsetMs: 0 } }, { unpaced: true })).source)).toBeUndefined();
    expect(fileSourcePlan((await createReplay({ ...cfg, paths: [dir] })).source)).toBeUndefined();
  });

  it('shows progress of what has been played, from 0% at the start to 100% at the end', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', series('e', T0, 320, 100)); // one read chunk: the reader is done at once
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const r = await createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 1, clock: fakeClock });
    expect(r.pacer.status().progress).toBe(0);
    const engine = new Engine({ bufferEvents: 10_000, bufferBytes: 64 << 20, detector: NO_DETECTOR });
    let done = false;
    const run = consume(r.source, engine, { pace: r.pace }).finally(() => (done = true));
    const seen: number[] = [];
    const midway: number[] = [];
    while (!done) {
      await vi.advanceTimersToNextTimerAsync();
      await new Promise((res) => setImmediate(res));
      seen.push(r.pacer.status().progress);
      if (engine.counts.events >= 150 && engine.counts.events <= 170) midway.push(r.pacer.status().progress);
    }
    await run;
    // half the events played: about half the bytes, although the reader finished long before
    expect(midway.length).toBeGreaterThan(0);
    for (const p of midway) expect(p).toBeCloseTo(0.5, 1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(r.pacer.status()).toMatchObject({ progress: 1, finished: true });
  });

  it('stops within a few events of where the replay was when it is closed', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', series('e', T0, 1_000, 100)); // 10 events per second, one read chunk
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const r = await createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 1, clock: fakeClock });
    const engine = new Engine({ bufferEvents: 10_000, bufferBytes: 64 << 20, detector: NO_DETECTOR });
    let done = false;
    const run = consume(r.source, engine, { pace: r.pace }).finally(() => (done = true));
    while (engine.counts.events < 30) {
      await vi.advanceTimersToNextTimerAsync();
      await new Promise((res) => setImmediate(res));
    }
    const atStop = engine.counts.events;
    await r.source.close();
    while (!done) await new Promise((res) => setImmediate(res));
    await run;
    expect(engine.counts.events).toBeLessThanOrEqual(atStop + PACED_BATCH);
    expect(r.pacer.status().finished).toBe(false);
  });
});
