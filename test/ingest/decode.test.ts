import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cutBodies, decodeLine, documentLines } from '../../src/ingest/decode.js';
import { parseBodies } from '../../src/model/event.js';
import { decodeAll, fixture } from './collect.js';

const lines = (name: string): string[] => readFileSync(fixture(name), 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');

const event = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'a-1',
  stage: 'ResponseComplete',
  verb: 'get',
  user: { username: 'alice' },
  responseStatus: { code: 200 },
  ...extra,
});

describe('decodeLine: what is an audit event', () => {
  it('accepts kind Event, an audit.k8s.io apiVersion, or the auditID+stage+verb shape', () => {
    const { events, malformed } = decodeAll([
      JSON.stringify({ kind: 'Event', verb: 'get' }),
      JSON.stringify({ apiVersion: 'audit.k8s.io/v1beta1', auditID: 'b' }),
      JSON.stringify({ auditID: 'c', stage: 'ResponseComplete', verb: 'list' }),
    ]);
    expect(events.map((e) => [e.verb, e.auditID])).toEqual([['get', ''], ['', 'b'], ['list', 'c']]);
    expect(malformed).toEqual([]);
  });

  it('rejects objects that only look a little like events, and says why', () => {
    const { events, malformed } = decodeAll(lines('shape-only.log'));
    // line 1: no kind/apiVersion but the full shape; line 2: auditID+verb without stage is not enough;
    // line 3: an audit.k8s.io apiVersion says it is one.
    expect(events.map((e) => e.auditID)).toEqual(['00000000-0000-4000-8000-000000000001', 'y']);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]!.reason).toBe('not an audit event');
    expect(malformed[0]!.excerpt).toContain('"auditID":"x"');
  });

  it.each([
    ['truncated-json.log', 2, ['invalid JSON']],
    ['binary-junk.log', 2, ['invalid JSON']],
    ['kind-zero.log', 2, ['not an audit event']],
    ['empty-array.log', 2, ['empty array']],
    ['null.log', 2, ['not an audit event (null)']],
    ['string.log', 2, ['not an audit event (string)']],
    ['blank-lines.log', 2, ['blank line', 'blank line', 'blank line']],
  ])('%s: every good event comes out, the bad line is counted with its reason', (name, good, reasons) => {
    const { events, malformed } = decodeAll(lines(name));
    expect(events).toHaveLength(name === 'truncated-json.log' ? 2 : good);
    expect(malformed.map((m) => m.reason)).toEqual(reasons);
    expect(malformed.every((m) => m.source === 'test' && m.excerpt.length <= 200)).toBe(true);
  });

  it('accepts a line starting with a BOM (concatenated files), raw without it', () => {
    const line = JSON.stringify(event());
    const { events } = decodeAll([`\uFEFF${line}`]);
    expect(events.map((e) => e.raw)).toEqual([line]);
  });

  it('keeps an excerpt of a rejected line, capped at 200 characters', () => {
    const junk = `{"kind":0,"pad":"${'x'.repeat(500)}"}`;
    const { malformed } = decodeAll([junk]);
    expect(malformed[0]!.excerpt).toBe(junk.slice(0, 200));
  });

  it('never throws, whatever the line', () => {
    const nasty = ['', ' ', '{', '[', ']', '{}', '[[]]', '[null]', '123', 'true', '"\\u0000"', '{"items":5}', '{"kind":"EventList"}',
      '{"kind":"EventList","items":null}', '{"records":[null,1,"x"]}', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[null]}]}]}',
      '{"kind":"Event","requestObject":', '{"kind":"Event","responseStatus":{},"requestObject":{"a":"}"}', '\u0000\u0001\uffff'];
    for (const l of nasty) expect(() => decodeLine(l, 's', { event: () => undefined, malformed: () => undefined })).not.toThrow();
  });

  it('a sink that throws does not escape decodeLine: the line is counted as malformed', () => {
    const got: string[] = [];
    decodeLine(JSON.stringify(event()), 's', {
      event: () => {
        throw new Error('boom');
      },
      malformed: (m) => got.push(m.reason),
    });
    expect(got).toEqual(['decoder error: Error: boom']);
  });
});

describe('decodeLine: containers of events', () => {
  it('expands an EventList line in order, using the lenient item test, raw = the item itself', () => {
    const { events, malformed } = decodeAll(lines('event-list.log'));
    expect(events.map((e) => e.auditID)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
      '', // {"verb":"list"}: inside a list a verb is enough
      '00000000-0000-4000-8000-000000000009',
    ]);
    expect(events[3]!.verb).toBe('list');
    expect(malformed.map((m) => m.reason)).toEqual(['EventList item is not an audit event']);
    expect(JSON.parse(events[0]!.raw)).toMatchObject({ auditID: '00000000-0000-4000-8000-000000000001', verb: 'get' });
  });

  it('never cuts bodies out of an EventList item (its raw keeps requestObject)', () => {
    const item = { auditID: 'i1', stage: 'ResponseComplete', verb: 'create', responseStatus: { code: 201 }, requestObject: { kind: 'Pod' }, requestReceivedTimestamp: '2026-11-21T09:00:00.000000Z' };
    for (const list of [{ kind: 'EventList', items: [item] }, { apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [item] }]) {
      const { events } = decodeAll([JSON.stringify(list)]);
      expect(events).toHaveLength(1);
      expect(events[0]!.hasRequestObject).toBe(true);
      expect(parseBodies(events[0]!).requestObject).toEqual({ kind: 'Pod' });
    }
  });

  it('expands an array of events on one line; non-events in it are malformed', () => {
    const { events, malformed } = decodeAll([JSON.stringify([event({ auditID: 'a' }), 5, event({ auditID: 'b' })])]);
    expect(events.map((e) => e.auditID)).toEqual(['a', 'b']);
    expect(malformed.map((m) => m.reason)).toEqual(['array element is not an audit event']);
  });

  it('unwraps AKS diagnostic records: raw is the event JSON from properties.log', () => {
    const { events, malformed } = decodeAll(lines('aks-records.log'));
    expect(events.map((e) => e.auditID)).toEqual(['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']);
    expect(JSON.parse(events[0]!.raw).kind).toBe('Event');
    expect(malformed.map((m) => m.reason)).toEqual(['AKS record without properties.log']);
    // a single record, as Event Hubs delivers them
    const one = decodeAll([JSON.stringify({ category: 'kube-audit', properties: { log: JSON.stringify(event({ auditID: 'solo' })) } })]);
    expect(one.events.map((e) => e.auditID)).toEqual(['solo']);
  });

  it('an AKS log string that is not an event is malformed, and not unwrapped again', () => {
    const inner = JSON.stringify({ records: [{ properties: { log: JSON.stringify(event()) } }] });
    const { events, malformed } = decodeAll([JSON.stringify({ properties: { log: inner } }), JSON.stringify({ properties: { log: 'I0101 klog line' } })]);
    expect(events).toEqual([]);
    expect(malformed.map((m) => m.reason)).toEqual(['not an audit event', 'invalid JSON']);
  });

  it('unwraps OTLP log exports whose bodies hold the event JSON', () => {
    const doc = JSON.parse(readFileSync(fixture('otlp.json'), 'utf8'));
    const { events, malformed } = decodeAll([JSON.stringify(doc)]);
    expect(events).toHaveLength(3);
    expect(malformed).toEqual([]);
    const bad = decodeAll([JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { intValue: 3 } }] }] }] })]);
    expect(bad.malformed.map((m) => m.reason)).toEqual(['OTLP log record without a string body']);
  });
});

describe('decodeLine: RequestResponse bodies are cut before parsing', () => {
  const [withBoth, responseOnly, nullRequest] = lines('request-response.log');

  it('keeps the whole line as raw and the bodies readable through parseBodies', () => {
    const { events } = decodeAll([withBoth!]);
    const ev = events[0]!;
    expect(ev.raw).toBe(withBoth);
    expect([ev.hasRequestObject, ev.hasResponseObject]).toEqual([true, true]);
    expect(ev.code).toBe(201);
    // fields after the bodies survive the cut (a nested requestReceivedTimestamp key does not fool it)
    expect(ev.time).toBe('2026-11-21T09:00:01.112500Z');
    expect(ev.latencyMs).toBe(12.5);
    expect(ev.decision).toBe('allow');
    const bodies = parseBodies(ev);
    expect((bodies.requestObject as { metadata: { annotations: { tricky: string } } }).metadata.annotations.tricky).toBe('a "quoted" } ] { [ string \\\\');
    expect((bodies.responseObject as { status: { phase: string } }).status.phase).toBe('Pending');
  });

  it('handles one body only, and a null body', () => {
    const { events } = decodeAll([responseOnly!, nullRequest!]);
    expect(events.map((e) => [e.hasRequestObject, e.hasResponseObject, e.decision])).toEqual([
      [false, true, 'allow'],
      [true, true, 'allow'],
    ]);
  });

  it('cuts exactly the two bodies, whatever quotes, escapes and brackets they hold', () => {
    const cut = cutBodies(withBoth!)!;
    const expected = JSON.parse(withBoth!);
    delete expected.requestObject;
    delete expected.responseObject;
    expect(cut.text).toBe(JSON.stringify(expected));
    expect([cut.request, cut.response]).toEqual([true, true]);
    expect(cutBodies(responseOnly!)).toMatchObject({ request: false, response: true });
    expect(JSON.parse(cutBodies(nullRequest!)!.text)).not.toHaveProperty('requestObject');
    expect(cutBodies('{"kind":"Event","verb":"get"}')).toBeNull();
    // strings ending in escaped backslashes, and a body that never ends
    expect(cutBodies('{"a":1,"requestObject":{"s":"x\\\\","t":"}"},"b":2}')!.text).toBe('{"a":1,"b":2}');
    expect(cutBodies('{"a":1,"requestObject":{"s":"x\\"}')).toBeNull();
  });

  it('cuts the same way when a shipper dropped kind and apiVersion (the order-independent path)', () => {
    const shipped = JSON.parse(withBoth!);
    delete shipped.kind;
    delete shipped.apiVersion;
    const line = JSON.stringify(shipped);
    const expected = { ...shipped };
    delete expected.requestObject;
    delete expected.responseObject;
    expect(cutBodies(line)).toEqual({ text: JSON.stringify(expected), request: true, response: true });
    // reordered: bodies first, then other fields
    const { requestObject, responseObject, ...rest } = shipped;
    const reordered = JSON.stringify({ auditID: 'r', requestObject, responseObject, ...rest, auditIDAgain: 1 });
    expect(JSON.parse(cutBodies(reordered)!.text)).toEqual({ auditID: 'r', ...rest, auditIDAgain: 1 });
  });

  it('an API-server line whose earlier field holds a "requestObject" key is not cut wrongly', () => {
    const ev = JSON.parse(withBoth!);
    const tricky = JSON.stringify({
      kind: ev.kind, apiVersion: ev.apiVersion, level: ev.level, auditID: 'trick', stage: ev.stage, verb: 'create',
      user: { username: 'eve', extra: { a: ['b'], requestObject: ['x'] } },
      sourceIPs: ['192.0.2.1'], objectRef: ev.objectRef, responseStatus: ev.responseStatus,
      requestObject: ev.requestObject, requestReceivedTimestamp: ev.requestReceivedTimestamp, stageTimestamp: ev.stageTimestamp,
      annotations: ev.annotations,
    });
    const { events } = decodeAll([tricky]);
    expect(events[0]).toMatchObject({ auditID: 'trick', user: 'eve', sourceIP: '192.0.2.1', resource: 'pods', code: 201, hasRequestObject: true });
    expect(parseBodies(events[0]!).requestObject).toEqual(ev.requestObject);
  });

  it('a body followed by odd spacing still decodes, and broken JSON is still rejected', () => {
    const odd = '{"kind":"Event","auditID":"z","responseStatus":{"code":200},"requestObject":{"a":"b"}  ,"verb":"get"}';
    expect(decodeAll([odd]).events.map((e) => [e.auditID, e.verb, e.hasRequestObject])).toEqual([['z', 'get', true]]);
    const broken = withBoth!.slice(0, withBoth!.indexOf('"responseObject"') + 30);
    expect(decodeAll([broken]).malformed.map((m) => m.reason)).toEqual(['invalid JSON']);
  });

  it('a Metadata line is not scanned for bodies, and one that holds a body anyway still says so', () => {
    const meta = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"m","stage":"ResponseComplete","verb":"get"}';
    expect(cutBodies(meta)).toBeNull();
    const odd = meta.replace('"verb":"get"', '"verb":"get","requestObject":{"kind":"Secret"},"responseObject":{"x":1}');
    expect(cutBodies(odd)).toBeNull();
    const ev = decodeAll([odd]).events[0]!;
    expect([ev.auditID, ev.verb, ev.hasRequestObject, ev.hasResponseObject, ev.raw]).toEqual(['m', 'get', true, true, odd]);
  });

  it('gives the same record as a plain parse, body flags included', () => {
    const { events } = decodeAll([withBoth!]);
    const { raw: _r, ...cut } = events[0]!;
    // pretty-printed re-serialisation has no `,"requestObject":` to cut: the reference path
    const spaced = JSON.stringify(JSON.parse(withBoth!), null, 1).replace(/\n/g, '');
    const { raw: _s, ...plain } = decodeAll([spaced]).events[0]!;
    expect(cut).toEqual(plain);
  });
});

describe('documentLines (whole-file documents)', () => {
  it('emits one line per event for arrays and wrappers, EventLists as EventList slices', () => {
    expect(documentLines([event({ auditID: 'a' }), event({ auditID: 'b' })]).map((l) => JSON.parse(l).auditID)).toEqual(['a', 'b']);
    const items = Array.from({ length: 2500 }, (_, i) => ({ auditID: `i${i}`, verb: 'get' }));
    const slices = documentLines({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });
    expect(slices.map((l) => JSON.parse(l).items.length)).toEqual([1000, 1000, 500]);
    expect(decodeAll(slices).events).toHaveLength(2500);
    expect(documentLines({ records: [{ properties: { log: '{"kind":"Event",\n"verb":"get"}' } }] })).toEqual(['{"kind":"Event","verb":"get"}']);
    expect(documentLines(event({ auditID: 'one' }))).toHaveLength(1);
    // a record without an event stays in as itself and is counted as malformed where it was
    const mixed = documentLines({ records: [{ properties: { log: JSON.stringify(event({ auditID: 'r1' })) } }, { properties: {} }] });
    expect(mixed[1]).toBe('{"properties":{}}');
    const got = decodeAll(mixed);
    expect([got.events.map((e) => e.auditID), got.malformed.map((m) => m.excerpt)]).toEqual([['r1'], ['{"properties":{}}']]);
  });
});
