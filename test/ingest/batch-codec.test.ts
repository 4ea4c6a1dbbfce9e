import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchDecoder, BatchEncoder, MAX_DICT_ENTRIES, type PackedBatch } from '../../src/ingest/batch-codec.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import type { AuditEvent } from '../../src/model/event.js';
import type { PackedEvent } from '../../src/model/packed-event.js';
import { RawStore } from '../../src/model/raw-store.js';
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

  it('starts both dictionaries over when they are full, values unchanged', () => {
    const n = MAX_DICT_ENTRIES + 10;
    const batches = [];
    for (let b = 0; b < 3; b++) {
      const lines: string[] = [];
      for (let i = 0; i < n / 2; i++) lines.push(JSON.stringify({ kind: 'Event', auditID: `${b}-${i}`, verb: 'get', userAgent: `ua-${b}-${i}`, user: { username: 'u', groups: [`g${b}-${i % 7}`] } }));
      batches.push(decodedBatch(lines));
    }
    const enc = new BatchEncoder();
    const resets = batches.map((b) => enc.encode('s', b.events, b.malformed).batch.dictReset);
    expect(resets).toEqual([false, false, true]);
    expect(roundTrip(batches)).toEqual(expected(batches));
  });

  it('an event kept after its batch was released reads its raw JSON from the raw store', () => {
    const lines = [JSON.stringify({ kind: 'Event', auditID: 'k', verb: 'get' }), JSON.stringify({ kind: 'Event', auditID: 'f', verb: 'get' })];
    const b = decodedBatch(lines);
    const enc = new BatchEncoder();
    const dec = new BatchDecoder();
    const received = cross(enc.encode('s', b.events, b.malformed).batch);
    const kept: PackedEvent[] = [];
    dec.decode(received, (ev) => kept.push(ev), () => undefined);
    expect(kept.map((e) => e.raw)).toEqual(lines);
    (kept[0] as PackedEvent).adopt(new RawStore()); // what the engine does when it buffers an event
    for (const buf of dec.release(received)) new Uint8Array(buf).fill(0x41); // the worker reuses the buffers
    expect((kept[0] as PackedEvent).raw).toBe(lines[0]);
    // never buffered (filtered out): nothing to read any more, and never another event's bytes
    expect((kept[1] as PackedEvent).raw).toBe('');
  });
});
