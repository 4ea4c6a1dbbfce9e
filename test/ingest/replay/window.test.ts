import { describe, expect, it } from 'vitest';
import { isMultiEventLine, lineTime } from '../../../src/ingest/replay/event-time.js';
import { parseDuration, parseTimeBound, resolveBound } from '../../../src/ingest/replay/window.js';
import { eventLine, T0 } from './helpers.js';

describe('--since / --until values', () => {
  it('parses RFC 3339, with UTC when no offset is given', () => {
    expect(parseTimeBound('2026-11-20T10:00:00Z')).toEqual({ kind: 'absolute', ms: T0 });
    expect(parseTimeBound('2026-11-20T12:00:00.5+02:00')).toEqual({ kind: 'absolute', ms: T0 + 500 });
    expect(parseTimeBound('2026-11-20T10:00')).toEqual({ kind: 'absolute', ms: T0 });
    expect(parseTimeBound('2026-11-20')).toEqual({ kind: 'absolute', ms: T0 - 36_000_000 });
  });

  it('parses relative values against the log, and now-… against the wall clock', () => {
    expect(parseTimeBound('-2h')).toEqual({ kind: 'log', from: 'end', offsetMs: -7_200_000 });
    expect(parseTimeBound('+1h30m')).toEqual({ kind: 'log', from: 'start', offsetMs: 5_400_000 });
    expect(parseTimeBound('now-15m')).toEqual({ kind: 'now', offsetMs: -900_000 });
    const span = { first: T0, last: T0 + 86_400_000 };
    expect(resolveBound({ kind: 'log', from: 'end', offsetMs: -7_200_000 }, span, 0)).toBe(T0 + 79_200_000);
    expect(resolveBound({ kind: 'now', offsetMs: -1 }, span, 1_000)).toBe(999);
  });

  it('rejects what it cannot read with a reason', () => {
    for (const bad of ['yesterday', '2h', '-2x', '2026-02-31T00:00:00Z', '2026-11-20T25:00Z', 'now-', '']) {
      expect(typeof parseTimeBound(bad)).toBe('string');
    }
    expect(parseDuration('1d2h3m4s5ms')).toBe(93_784_005);
  });
});

describe('event time of a raw line', () => {
  it('finds stageTimestamp without parsing, with fallbacks as SPEC §2', () => {
    expect(lineTime(eventLine('x', T0 + 1))).toBe(T0 + 1);
    expect(lineTime('{"requestReceivedTimestamp": "2026-11-20T10:00:00.000001Z"}')).toBeCloseTo(T0 + 0.001, 6);
    expect(lineTime('{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","timestamp":"2026-11-20T10:00:00Z"}')).toBe(T0);
    expect(lineTime('{"stageTimestamp":null,"requestReceivedTimestamp":"2026-11-20T10:00:00Z"}')).toBe(T0);
    expect(Number.isNaN(lineTime('garbage'))).toBe(true);
  });

  it('reads JSON-escaped times inside AKS records', () => {
    const rec = JSON.stringify({ properties: { log: eventLine('x', T0) } });
    expect(lineTime(rec)).toBe(T0);
    expect(isMultiEventLine(rec)).toBe(false);
    expect(isMultiEventLine(JSON.stringify({ records: [{ properties: { log: eventLine('a', T0) } }, { properties: { log: eventLine('b', T0) } }] }))).toBe(true);
  });

  it('takes the event’s own time when a body quotes another event', () => {
    const line = eventLine('x', T0 + 5_000, { requestObject: { stageTimestamp: '2001-01-01T00:00:00Z' } });
    expect(lineTime(line)).toBe(T0 + 5_000);
  });
});
