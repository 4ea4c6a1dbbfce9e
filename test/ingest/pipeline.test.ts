import { describe, expect, it } from 'vitest';
import { NO_DETECTOR } from '../../src/detect/types.js';
import { consume } from '../../src/ingest/pipeline.js';
import type { Source, SourceItem } from '../../src/ingest/source.js';
import { Engine } from '../../src/model/engine.js';

function ev(id: string, t: string): string {
  return JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete', verb: 'get', user: { username: 'u' }, stageTimestamp: t, requestReceivedTimestamp: t });
}

function source(items: SourceItem[], onYield?: (i: number) => void): Source {
  return {
    name: 'test',
    async *items() {
      for (let i = 0; i < items.length; i++) {
        onYield?.(i);
        yield items[i] as SourceItem;
      }
    },
    close: async () => undefined,
  };
}

const engine = (): Engine => new Engine({ bufferEvents: 100, bufferBytes: 1 << 20, detector: NO_DETECTOR });

describe('consume', () => {
  it('hands every item kind to the engine', async () => {
    const e = engine();
    const notices: string[] = [];
    e.subscribe({ onNotice: (_s, m) => notices.push(m) });
    await consume(
      source([
        { kind: 'lines', source: 'f', lines: [ev('1', '2026-11-21T10:00:00Z'), 'garbage', ''] },
        { kind: 'long', source: 'f', bytes: 40 << 20 },
        { kind: 'notice', source: 'f', message: 'rotated' },
        { kind: 'gap', gap: { ts: 0, source: 'f', kind: 'truncated', message: 'truncated' } },
        { kind: 'progress', source: 'f', bytesRead: 10, bytesTotal: 20 },
      ]),
      e,
    );
    expect(e.counts).toEqual({ events: 1, requests: 1, malformed: 2, skippedLong: 1, gaps: 1 });
    expect(notices).toContain('rotated');
    expect(notices).toContain('truncated');
    expect(e.progressInfo).toEqual({ source: 'f', bytesRead: 10, bytesTotal: 20 });
  });

  it('a paced replay lets the event loop run in the middle of a big chunk (keys answer between slices)', async () => {
    const e = new Engine({ bufferEvents: 100_000, bufferBytes: 1 << 30, detector: NO_DETECTOR });
    const n = 20_000;
    const lines = Array.from({ length: n }, (_, i) => ev(`id-${i}`, '2026-11-21T10:00:00Z'));
    // what a keypress would see: the count at each turn of the event loop while the chunk is ingested
    const seen: number[] = [];
    let running = true;
    const sample = (): void => {
      seen.push(e.counts.events);
      if (running) setImmediate(sample);
    };
    setImmediate(sample);
    await consume(source([{ kind: 'lines', source: 'f', lines }]), e, { pace: () => undefined });
    running = false;
    expect(e.counts.events).toBe(n);
    // ~60 ms of work or more in 8 ms slices: the loop ran several times with the chunk half done
    expect(seen.filter((c) => c > 0 && c < n).length).toBeGreaterThanOrEqual(2);
  });

  it('asks the pacer about each event and waits for it before the engine sees the event', async () => {
    const e = engine();
    const asked: number[] = [];
    let release: (() => void) | undefined;
    const done = consume(source([{ kind: 'lines', source: 'f', lines: [ev('1', '2026-11-21T10:00:00Z'), ev('2', '2026-11-21T10:00:05Z')] }]), e, {
      pace: (ts) => {
        asked.push(ts);
        if (asked.length === 2) return new Promise<void>((r) => (release = r));
        return undefined;
      },
    });
    while (!release) await new Promise((r) => setImmediate(r));
    expect(e.counts.events).toBe(1);
    expect(asked).toEqual([Date.UTC(2026, 10, 21, 10), Date.UTC(2026, 10, 21, 10, 0, 5)]);
    release();
    await done;
    expect(e.counts.events).toBe(2);
  });

  it('gives the event loop a turn between batches', async () => {
    const e = engine();
    const order: string[] = [];
    const items: SourceItem[] = [0, 1, 2].map((i) => ({ kind: 'lines', source: 'f', lines: [ev(String(i), '2026-11-21T10:00:00Z')] }));
    const p = consume(source(items, (i) => order.push(`batch ${i}`)), e);
    setImmediate(() => order.push('timer'));
    await p;
    expect(order.indexOf('timer')).toBeGreaterThan(0);
    expect(order.indexOf('timer')).toBeLessThan(order.length - 1);
  });

  it('awaits afterBatch (stdout backpressure) before reading on', async () => {
    const e = engine();
    let pending: (() => void) | undefined;
    let batches = 0;
    const items: SourceItem[] = [0, 1].map((i) => ({ kind: 'lines', source: 'f', lines: [ev(String(i), '2026-11-21T10:00:00Z')] }));
    const p = consume(source(items), e, {
      afterBatch: () => {
        batches++;
        return batches === 1 ? new Promise<void>((r) => (pending = r)) : undefined;
      },
    });
    while (!pending) await new Promise((r) => setImmediate(r));
    expect(e.counts.events).toBe(1);
    pending();
    await p;
    expect(e.counts.events).toBe(2);
  });
});
