import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchDecoder, BatchEncoder, MAX_DICT_ENTRIES, MAX_PROFILES, type PackedBatch } from '../../src/ingest/batch-codec.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import type { AuditEvent } from '../../src/model/event.js';
import type { PackedEvent } from '../../src/model/packed-event.js';
import { RawStore, SLAB_BYTES, type Slab } from '../../src/model/raw-store.js';
import { Engine } from '../../src/model/engine.js';
import { NO_DETECTOR } from '../../src/detect/types.js';
import { decodeLine } from '../../src/ingest/decode.js';
import type { MalformedLine } from '../../src/model/types.js';
import { decodeAll, eventFields as fields, fixture } from './collect.js';

/** What crossing the thread boundary does to a batch: a structured clone (buffers copied here). */
function cross(b: PackedBatch): PackedBatch {
  return structuredClone(b);
}

type Out = { kind: 'event'; ev: Record<string, unknown> } | { kind: 'malformed'; m: MalformedLine };

function roundTrip(batches: { events: AuditEvent[]; malformed: { at: number; m: MalformedLine }[] }[]): Out[] {
  const enc = new BatchEncoder();
  const dec = new BatchDecoder();
  const out: Out[] = [];
  for (const b of batches) {
    const { batch } = enc.encode('src.log', b.events, b.malformed);
    const received = cross(batch);
    dec.decode(
      received,
      (ev) => out.push({ kind: 'event', ev: fields(ev) }),
      (m) => out.push({ kind: 'malformed', m }),
    );
    // as the pipeline does: the buffer goes back and is refilled by a later batch
    enc.giveBack(dec.release(received));
  }
  return out;
}

function expected(batches: { events: AuditEvent[]; malformed: { at: number; m: MalformedLine }[] }[]): Out[] {
  const out: Out[] = [];
  for (const b of batches) {
    let k = 0;
    b.events.forEach((ev, i) => {
      while (k < b.malformed.length && (b.malformed[k] as { at: number }).at <= i) out.push({ kind: 'malformed', m: (b.malformed[k++] as { m: MalformedLine }).m });
      out.push({ kind: 'event', ev: { ...fields(ev), source: 'src.log' } });
    });
    while (k < b.malformed.length) out.push({ kind: 'malformed', m: (b.malformed[k++] as { m: MalformedLine }).m });
  }
  return out;
}

function decodedBatch(lines: string[]): { events: AuditEvent[]; malformed: { at: number; m: MalformedLine }[] } {
  const events: AuditEvent[] = [];
  const malformed: { at: number; m: MalformedLine }[] = [];
  for (const l of lines) {
    const r = decodeAll([l]);
    for (const m of r.malformed) malformed.push({ at: events.length, m });
    events.push(...r.events);
  }
  return { events, malformed };
}

/** One batch of `lines` from a fresh encoder to a fresh decoder (not yet released), and its events. */
function sendOne(lines: string[]): { store: RawStore; enc: BatchEncoder; dec: BatchDecoder; received: PackedBatch; events: PackedEvent[] } {
  const b = decodedBatch(lines);
  const store = new RawStore();
  const enc = new BatchEncoder();
  const dec = new BatchDecoder(store);
  const received = cross(enc.encode('s', b.events, b.malformed).batch);
  const events: PackedEvent[] = [];
  dec.decode(received, (ev) => events.push(ev), () => undefined);
  return { store, enc, dec, received, events };
}

describe('batch codec (decode worker → main thread)', () => {
  it('rebuilds every field of every fixture event, malformed lines in their places', () => {
    const dir = fixture('');
    const batches = readdirSync(dir)
      .filter((f) => f.endsWith('.log') && !f.startsWith('gzip'))
      .map((f) => decodedBatch(readFileSync(`${dir}/${f}`, 'utf8').split('\n')));
    expect(batches.some((b) => b.malformed.length > 0 && b.events.length > 0)).toBe(true);
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('rebuilds generated traffic exactly across many batches (dictionary grows between them)', () => {
    const gen = generateTraffic({ seed: 7, start: Date.UTC(2026, 0, 1), eventsPerSecond: 500 });
    const batches = [];
    for (let b = 0; b < 6; b++) {
      const lines: string[] = [];
      for (let i = 0; i < 500; i++) lines.push(JSON.stringify(gen.next().value));
      batches.push(decodedBatch(lines));
    }
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('hostile values: unicode, NUL and separators in strings, long values, odd groups, NaN times', () => {
    const ev = (id: string, extra: Record<string, unknown>): string =>
      JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete', verb: 'get', ...extra });
    const lines = [
      ev('a\u0000b', { user: { username: 'zoë ☃ 日本 \ud83d\ude00', groups: ['a\u0000b', ''] }, requestURI: '/x\u2028y' }),
      ev('b', { user: { username: 'u', groups: ['a', 'b'] } }),
      ev('c', { user: { username: 'u', groups: ['a\u0000b'] } }),
      ev('d', { user: { username: 'u', groups: ['a', 'b'] }, userAgent: 'x'.repeat(5000), objectRef: { name: 'n'.repeat(3000) } }),
      ev('e', { user: 'plain', impersonatedUser: { username: 'imp', groups: ['g1'] }, stageTimestamp: 'not a time' }),
      ev('', { responseStatus: { code: 201, reason: ' spaced ' }, requestObject: { a: 1 }, requestReceivedTimestamp: '2026-01-01T00:00:00.000001Z', stageTimestamp: '2026-01-01T00:00:00.5Z' }),
      '{"kind":"EventList","items":[{"auditID":"i1","verb":"get"},{"auditID":"i2","verb":"list"}]}',
      'not json',
    ];
    const batches = [decodedBatch(lines)];
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('a value that is a lone NUL, first in a fresh dictionary, values alternating between two, huge codes', () => {
    const ev = (id: string, extra: Record<string, unknown>): string =>
      JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete', verb: 'get', ...extra });
    const lines = [ev('n', { verb: '\u0000', user: { username: '\u0000' }, objectRef: { resource: '\u0000', namespace: 'a' } })];
    // codes past the small integers keep their value
    lines.push(ev('big', { responseStatus: { code: 1e10 } }), ev('big2', { responseStatus: { code: 2 ** 31 } }), ev('ok', { responseStatus: { code: 200 } }));
    for (let i = 0; i < 20; i++) {
      lines.push(ev(`x${i}`, { stage: i % 2 ? 'RequestReceived' : 'ResponseComplete', verb: ['get', 'list', 'get', '\u0000'][i % 4], objectRef: { resource: i % 3 ? 'pods' : '\u0000', namespace: i % 2 ? 'a' : 'b' } }));
    }
    const batches = [decodedBatch(lines.slice(0, 7)), decodedBatch(lines.slice(7))];
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('starts both dictionaries over when they are full, values unchanged', () => {
    // three new strings per event: the dictionary fills before the profiles (one per event) do
    const perBatch = Math.ceil((MAX_DICT_ENTRIES + 10) / 6);
    expect(2 * perBatch).toBeLessThan(MAX_PROFILES);
    const batches = [];
    for (let b = 0; b < 3; b++) {
      const lines: string[] = [];
      for (let i = 0; i < perBatch; i++) lines.push(JSON.stringify({ kind: 'Event', auditID: `${b}-${i}`, verb: 'get', userAgent: `ua-${b}-${i}`, sourceIPs: [`ip-${b}-${i}`], objectRef: { namespace: `ns-${b}-${i}` }, user: { username: 'u', groups: [`g${b}-${i % 7}`] } }));
      batches.push(decodedBatch(lines));
    }
    const enc = new BatchEncoder();
    const resets = batches.map((b) => enc.encode('s', b.events, b.malformed).batch.dictReset);
    expect(resets).toEqual([false, false, true]);
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('starts over when the profiles (combinations of those values) are full, values unchanged', () => {
    // one new user agent per event: a new profile each, one new string each
    const perBatch = MAX_PROFILES + 5;
    const batches = [];
    for (let b = 0; b < 3; b++) {
      const lines: string[] = [];
      for (let i = 0; i < perBatch; i++) lines.push(JSON.stringify({ kind: 'Event', auditID: `${b}-${i}`, verb: i % 2 ? 'get' : 'list', userAgent: `ua-${b}-${i}`, user: { username: 'u' } }));
      batches.push(decodedBatch(lines));
    }
    const enc = new BatchEncoder();
    const resets = batches.map((b) => enc.encode('s', b.events, b.malformed).batch.dictReset);
    // each batch fills the table (its last five events travel without a profile), so the next starts over
    expect(resets).toEqual([false, true, true]);
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('an event kept after its batch was released reads its raw JSON from the shared slab; one not kept reads nothing', () => {
    const lines = [JSON.stringify({ kind: 'Event', auditID: 'k', verb: 'get' }), JSON.stringify({ kind: 'Event', auditID: 'f', verb: 'get' })];
    const { store, enc, dec, received, events: kept } = sendOne(lines);
    expect(kept.map((e) => e.raw)).toEqual(lines);
    const k = kept[0] as PackedEvent;
    expect(k.adoptableBy(store)).toBe(true);
    expect(k.adoptableBy(new RawStore())).toBe(false); // another engine's store copies instead
    k.adopt(); // what the engine does when it buffers an event
    enc.giveBack(dec.release(received));
    // the worker goes on writing (the same lane) while the kept event is buffered
    const more = decodedBatch(Array.from({ length: 50 }, (_, i) => JSON.stringify({ kind: 'Event', auditID: `m${i}`, verb: 'list' })));
    const next = cross(enc.encode('s', more.events, more.malformed).batch);
    dec.decode(next, () => undefined, () => undefined);
    enc.giveBack(dec.release(next));
    expect(k.raw).toBe(lines[0]);
    // never buffered (filtered out): nothing to read any more, and never another event's bytes
    expect((kept[1] as PackedEvent).raw).toBe('');
  });

  it('events with the same dictionary values share them, and a write to one changes no other', () => {
    const line = (id: string): string => JSON.stringify({ kind: 'Event', auditID: id, stage: 'ResponseComplete', verb: 'get', user: { username: 'alice', groups: ['dev'] }, objectRef: { resource: 'pods', namespace: 'prod' } });
    const { events } = sendOne([line('a'), line('b'), line('c')]);
    const [a, b, c] = events as [PackedEvent, PackedEvent, PackedEvent];
    expect(a.p).toBe(b.p);
    expect(b.p).toBe(c.p);
    a.user = 'mallory';
    a.groups = ['admins'];
    expect([a.user, a.groups, a.verb, a.namespace]).toEqual(['mallory', ['admins'], 'get', 'prod']);
    expect([b.user, b.groups, c.user]).toEqual(['alice', ['dev'], 'alice']);
  });

  it('the latest event time stays right after that event left the buffer and its bytes were written over', () => {
    const line = (id: string, t: string): string => JSON.stringify({ kind: 'Event', auditID: id, stage: 'ResponseComplete', verb: 'get', stageTimestamp: t });
    // a buffer of one: the second event (in a later batch) evicts the first, which holds the latest time
    const engine = new Engine({ bufferEvents: 1, bufferBytes: 1 << 30, detector: NO_DETECTOR });
    const enc = new BatchEncoder();
    const dec = new BatchDecoder(engine.rawStore);
    const slabs: (Buffer | undefined)[] = [];
    for (const l of [line('a', '2026-01-01T00:00:05.000001Z'), line('b', '2026-01-01T00:00:01.000001Z')]) {
      const b = decodedBatch([l]);
      const received = cross(enc.encode('s', b.events, b.malformed).batch);
      dec.decode(
        received,
        (ev) => {
          slabs.push(ev.slab?.buf);
          engine.event(ev);
        },
        () => undefined,
      );
      enc.giveBack(dec.release(received));
    }
    // the worker may write over the evicted event's bytes now
    for (const buf of slabs) buf?.fill(0x41);
    expect(engine.rows.size).toBe(1);
    expect(engine.last()).toBe('2026-01-01T00:00:05.000001Z');
    expect(engine.first()).toBe('2026-01-01T00:00:01.000001Z');
  });

  it('time, uri and name travel as places in the raw bytes where they are there as they are, and stay right once the slab is written over', () => {
    const ev = (id: string, extra: Record<string, unknown>): string =>
      JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete', requestURI: `/api/v1/pods/${id}`, verb: 'get', objectRef: { resource: 'pods', name: id }, stageTimestamp: '2026-01-01T00:00:00.000001Z', ...extra });
    const lines = [
      ev('plain', {}),
      ev('escaped', { requestURI: '/api/v1/pods?a=1&b=2' }).replace('&', '\\u0026'),
      ev('unicode', { user: { username: 'zoë' } }),
      ev('long', { requestURI: `/api/v1/${'p'.repeat(300)}` }),
    ];
    const b = decodedBatch(lines);
    const { enc, dec, received, events: got } = sendOne(lines);
    const texts = (e: AuditEvent): string[] => [e.time, e.uri, e.name];
    expect(got.map(texts)).toEqual(b.events.map(texts));
    expect(got.map((e) => typeof e.uriRef)).toEqual(['number', 'string', 'string', 'string']);
    expect(typeof (got[0] as PackedEvent).nameRef).toBe('number');
    // none kept: once released, each keeps its own strings, whatever the worker writes there next
    const slabs = got.map((e) => e.slab?.buf);
    expect(slabs.every((buf) => buf !== undefined)).toBe(true);
    enc.giveBack(dec.release(received));
    for (const buf of slabs) buf?.fill(0x41);
    expect(got.map(texts)).toEqual(b.events.map(texts));
    expect(got.map((e) => e.raw)).toEqual(['', '', '', '']);
  });

  it('slabs go back to the worker once sealed and empty: memory follows the buffered bytes', () => {
    const store = new RawStore();
    const enc = new BatchEncoder();
    const dec = new BatchDecoder(store);
    const held: PackedEvent[] = [];
    const pad = 'p'.repeat(1000);
    let maxStore = 0;
    let maxWorker = 0;
    // ~60 MB through, 2,000 events (~2 MB) buffered at any time, as the engine's ring would
    for (let b = 0; b < 60; b++) {
      const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ kind: 'Event', auditID: `${b}-${i}`, stage: i % 3 === 0 ? 'RequestReceived' : 'ResponseComplete', verb: 'get', pad }));
      const d = decodedBatch(lines);
      const received = cross(enc.encode('s', d.events, d.malformed).batch);
      dec.decode(
        received,
        (ev) => {
          ev.adopt();
          held.push(ev);
          if (held.length > 2000) (held.shift() as PackedEvent).release();
        },
        () => undefined,
      );
      enc.giveBack(dec.release(received));
      maxStore = Math.max(maxStore, store.bytes);
      maxWorker = Math.max(maxWorker, enc.slabBytes);
    }
    expect((held[held.length - 1] as PackedEvent).raw).toContain('"auditID":"59-999"');
    expect((held[0] as PackedEvent).raw).toContain(`"auditID":"${59 - 1}-`);
    // ~2 MB live in two lanes of 4 MiB slabs: a few slabs, never the 60 MB that went through
    expect(maxStore).toBeLessThanOrEqual(5 * SLAB_BYTES);
    expect(maxWorker).toBeLessThanOrEqual(7 * SLAB_BYTES);
  });

  it('a line bigger than a slab gets a slab of its own, freed when its event is released', () => {
    const store = new RawStore();
    const enc = new BatchEncoder();
    const dec = new BatchDecoder(store);
    const big = JSON.stringify({ kind: 'Event', auditID: 'big', verb: 'create', requestObject: { data: 'x'.repeat(SLAB_BYTES + 10) } });
    const d = decodedBatch([big]);
    const received = cross(enc.encode('s', d.events, d.malformed).batch);
    let ev: PackedEvent | undefined;
    dec.decode(received, (e) => (ev = e), () => undefined);
    ev?.adopt();
    enc.giveBack(dec.release(received));
    expect(ev?.raw).toBe(big);
    expect(store.bytes).toBeGreaterThan(SLAB_BYTES);
    ev?.release();
    expect(store.bytes).toBeLessThan(SLAB_BYTES);
    expect(store.takeFreedShared()).toHaveLength(1);
  });

  it('lines left undecoded reach the main thread as their bytes, which its engine keeps without a copy', () => {
    const lines = [
      JSON.stringify({ kind: 'Event', auditID: 'u1', stage: 'RequestReceived', verb: 'get', user: { username: 'zoë ☃' } }),
      'not json',
      JSON.stringify({ kind: 'Event', auditID: 'u1', stage: 'ResponseComplete', verb: 'get', responseStatus: { code: 200 } }),
      JSON.stringify({ kind: 'EventList', items: [{ auditID: 'i1', verb: 'get' }, { auditID: 'i2', verb: 'list' }] }),
    ];
    const text = lines.join('\n');
    const buf = Buffer.from(text);
    const enc = new BatchEncoder();
    enc.begin('s.log', lines.length, true);
    let at = 0;
    lines.forEach((l, i) => {
      const len = Buffer.byteLength(l);
      // the last line as a string only (its bytes unknown, as for a line split across reads)
      if (i === lines.length - 1) enc.addLine(l, null, -1, -1);
      else enc.addLine(l, buf, at, at + len);
      at += len + 1;
    });
    const received = cross(enc.finish().batch);
    expect(received.undecoded).toBe(true);
    const engine = new Engine({ bufferEvents: 10, bufferBytes: 1 << 20, detector: NO_DETECTOR });
    const dec = new BatchDecoder(engine.rawStore);
    const seen: string[] = [];
    dec.lines(received, (t, slab, off, len) => {
      seen.push(t);
      engine.rawBytes(t, slab.buf, off, off + len, slab);
      decodeLine(t, received.source, engine);
    });
    engine.rawBytes(null);
    enc.giveBack(dec.release(received));
    expect(seen).toEqual(lines);
    expect(engine.counts).toMatchObject({ events: 4, requests: 3, malformed: 1 });
    expect(engine.rows.at(0)?.ev.raw).toBe(lines[2]);
    expect(engine.rows.at(1)?.ev.raw).toBe(JSON.stringify({ auditID: 'i1', verb: 'get' }));
    // the line's bytes stayed in the worker's slab; only the EventList's items (re-serialised) were copied
    const slabOf = (i: number): Slab => (engine.rows.at(i)?.ev as unknown as { slab: Slab }).slab;
    expect(slabOf(0).sharedId).toBeGreaterThan(0);
    expect(slabOf(1).sharedId).toBe(-1);
  });
});
