import { describe, expect, it } from 'vitest';
import { NO_DETECTOR } from '../../src/detect/types.js';
import { Engine } from '../../src/model/engine.js';
import { RawStore, type RawRef, type Slab } from '../../src/model/raw-store.js';
import { T0, mkEvent } from './events.js';

function ref(): RawRef {
  return { slab: undefined as unknown as Slab, off: 0, len: 0 };
}

describe('RawStore', () => {
  it('gives back exactly what was stored, non-ASCII included', () => {
    const s = new RawStore(64);
    const texts = ['{"a":1}', '{"user":"zoë ☃ 日本"}', '', 'x'.repeat(63)];
    const refs = texts.map((t) => {
      const r = ref();
      s.put(t, r);
      return r;
    });
    expect(refs.map((r) => s.get(r))).toEqual(texts);
    expect(refs[1]?.len).toBe(Buffer.byteLength(texts[1] as string));
  });

  it('a string bigger than a slab gets its own, freed on release', () => {
    const s = new RawStore(16);
    const r = ref();
    s.put('y'.repeat(100), r);
    expect(s.get(r)).toBe('y'.repeat(100));
    expect(s.bytes).toBe(100);
    s.release(r);
    expect(s.bytes).toBe(0);
  });

  it('memory follows the live bytes: released slabs are retired in order', () => {
    const s = new RawStore(1000);
    const live: RawRef[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = ref();
      s.put(`{"n":${i},"pad":"${'p'.repeat(80)}"}`, r);
      live.push(r);
      if (live.length > 50) s.release(live.shift() as RawRef);
    }
    // 50 live strings of ~100 bytes need ~5 slabs of 1000 bytes; never more than a couple extra
    expect(s.slabs).toBeLessThanOrEqual(8);
    expect(s.get(live[live.length - 1] as RawRef)).toContain('"n":9999');
  });

  it('transient values (soon replaced) do not keep the long-lived ones’ slabs alive', () => {
    // Each request: a transient first stage released when its completion is stored, as the engine does.
    const run = (lanes: boolean): number => {
      const s = new RawStore(1000);
      const live: RawRef[] = [];
      for (let i = 0; i < 10_000; i++) {
        const first = ref();
        s.put(`{"stage":"RequestReceived","n":${i},"pad":"${'p'.repeat(80)}"}`, first, lanes);
        const done = ref();
        s.put(`{"stage":"ResponseComplete","n":${i},"pad":"${'p'.repeat(80)}"}`, done);
        s.release(first);
        live.push(done);
        if (live.length > 50) s.release(live.shift() as RawRef);
      }
      expect(s.get(live[live.length - 1] as RawRef)).toContain('"n":9999');
      return s.bytes;
    };
    // one lane: half of every slab is dead first stages; two lanes: the dead ones free whole slabs
    expect(run(true)).toBeLessThan(0.7 * run(false));
  });
});

describe('Engine rows keep their raw JSON in the store', () => {
  it('row.ev.raw reads back the line, also after a later stage replaced it', () => {
    const e = new Engine({ bufferEvents: 10, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    e.event(mkEvent({ auditID: 'a', stage: 'RequestReceived', ts: T0, raw: '{"stage":"RequestReceived","x":"ü"}' }));
    expect(e.rows.at(0)?.ev.raw).toBe('{"stage":"RequestReceived","x":"ü"}');
    e.event(mkEvent({ auditID: 'a', stage: 'ResponseComplete', ts: T0, raw: '{"stage":"ResponseComplete"}' }));
    expect(e.rows.at(0)?.ev.raw).toBe('{"stage":"ResponseComplete"}');
    expect(e.rows.at(0)?.bytes).toBe('{"stage":"ResponseComplete"}'.length);
  });

  it('evicted rows give their bytes back: store memory stays near the ring’s bytes', () => {
    const e = new Engine({ bufferEvents: 1000, bufferBytes: 1 << 30, detector: NO_DETECTOR });
    const raw = `{"pad":"${'q'.repeat(1000)}"}`;
    for (let i = 0; i < 50_000; i++) e.event(mkEvent({ auditID: `r${i}`, ts: T0 + i, raw }));
    const s = e.stats();
    expect(s.rows).toBe(1000);
    expect(s.rawStoreBytes).toBeLessThanOrEqual(s.rowBytes + 3 * 4 * 1024 * 1024);
  });
});
