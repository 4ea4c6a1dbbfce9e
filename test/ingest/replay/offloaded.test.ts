/**
 * On the screen at --speed max, one set is read through the decode worker: the status bar's
 * progress and "replay finished" must still come (the worker never calls the source's items()).
 * The worker loads compiled JavaScript, so this drives the build in dist/ (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_DETECTOR } from '../../../src/detect/types.js';
import type * as srcPipeline from '../../../src/ingest/pipeline.js';
import type * as srcReplay from '../../../src/ingest/replay/index.js';
import type * as srcEngine from '../../../src/model/engine.js';
import { series, T0, tempDir, writeLog } from './helpers.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../../dist/${p}`, import.meta.url));
const built = existsSync(dist('ingest/offload.js'));

describe.skipIf(!built)('screen replay at --speed max through the decode worker', () => {
  const before = process.env.AUDITOP_DECODE_WORKER;
  afterEach(() => {
    if (before === undefined) delete process.env.AUDITOP_DECODE_WORKER;
    else process.env.AUDITOP_DECODE_WORKER = before;
  });

  it('plays every event, shows 100% and replay finished, and a pause still holds it', async () => {
    const pl = (await import(dist('ingest/pipeline.js'))) as typeof srcPipeline;
    const rp = (await import(dist('ingest/replay/index.js'))) as typeof srcReplay;
    const en = (await import(dist('model/engine.js'))) as typeof srcEngine;
    process.env.AUDITOP_DECODE_WORKER = '1';
    const dir = tempDir();
    writeLog(dir, 'audit.log.1', series('a', T0, 3_000, 10));
    writeLog(dir, 'audit.log', series('b', T0 + 30_000, 3_000, 10));
    const r = await rp.createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 'max' });
    expect(r.pace).toBeDefined();
    const engine = new en.Engine({ bufferEvents: 10_000, bufferBytes: 64 << 20, detector: NO_DETECTOR });
    const progress: number[] = [];
    r.pacer.subscribe(() => progress.push(r.pacer.status().progress));
    const workerRuns = pl.decodeStats.worker;
    await pl.consume(r.source, engine, { pace: r.pace! });
    expect(pl.decodeStats.worker).toBe(workerRuns + 1);
    expect(engine.counts.events).toBe(6_000);
    expect(r.pacer.status().progress).toBe(1);
    expect(r.pacer.status().finished).toBe(true);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    await r.source.close();

    // pausing (space) before the end holds the events back: the pace hook still runs on this path
    const again = await rp.createReplay({ paths: [dir], maxLineBytes: 1 << 20, speed: 'max' });
    const held = new en.Engine({ bufferEvents: 10_000, bufferBytes: 64 << 20, detector: NO_DETECTOR });
    again.pacer.pause();
    const run = pl.consume(again.source, held, { pace: again.pace! });
    // the first event starts the clock; the next waits for resume
    await vi.waitFor(() => expect(held.counts.events).toBe(1));
    expect(again.pacer.status().finished).toBe(false);
    await again.source.close();
    await run;
    expect(held.counts.events).toBeLessThan(6_000);
    expect(again.pacer.status().finished).toBe(false);
  });
});
