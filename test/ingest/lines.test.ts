import { describe, expect, it } from 'vitest';
import { LineSplitter, type SplitResult } from '../../src/ingest/lines.js';

/** Feed `data` in chunks of the given sizes (cycled), return all lines and skipped lengths. */
function split(data: Buffer, sizes: number[], max = 1024): SplitResult {
  const s = new LineSplitter(max);
  const out: SplitResult = { lines: [], longLines: [] };
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = sizes[k % sizes.length]!;
    const r = s.push(data.subarray(at, at + n));
    out.lines.push(...r.lines);
    out.longLines.push(...r.longLines);
    at += n;
  }
  const r = s.end();
  out.lines.push(...r.lines);
  out.longLines.push(...r.longLines);
  return out;
}

const text = '\uFEFF{"a":"é"}\r\n\r\n{"b":"日本"}\n{"c":1}';
const expected = ['{"a":"é"}', '', '{"b":"日本"}', '{"c":1}'];

describe('LineSplitter', () => {
  it('gives the same lines however the bytes are chunked (BOM, CRLF, multi-byte UTF-8, no final newline)', () => {
    const data = Buffer.from(text, 'utf8');
    for (const sizes of [[data.length], [1], [2], [3], [5, 1, 7], [4, 2]]) {
      expect(split(data, sizes), `chunks ${sizes.join(',')}`).toEqual({ lines: expected, longLines: [] });
    }
  });

  it('does not produce an empty line after a final newline', () => {
    expect(split(Buffer.from('x\ny\n'), [100]).lines).toEqual(['x', 'y']);
  });

  it('strips a BOM only at the start of the stream', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('\uFEFFa\n\uFEFFb\n')).lines).toEqual(['a', '\uFEFFb']);
  });

  it('keeps bytes that only looked like the start of a BOM', () => {
    const data = Buffer.from([0xef, 0x41, 0x0a, 0x42, 0x0a]);
    expect(split(data, [1]).lines).toEqual([Buffer.from([0xef, 0x41]).toString('utf8'), 'B']);
    expect(split(Buffer.from([0xef]), [1]).lines).toEqual([Buffer.from([0xef]).toString('utf8')]);
  });

  it('skips a line over the limit, reports its length, and keeps the lines around it', () => {
    const long = 'x'.repeat(100);
    const data = Buffer.from(`ok1\n${long}\n${'y'.repeat(20)}\nok2\n${long}`);
    for (const sizes of [[1000], [7], [1]]) {
      expect(split(data, sizes, 20), `chunks ${sizes.join(',')}`).toEqual({ lines: ['ok1', 'y'.repeat(20), 'ok2'], longLines: [100, 100] });
    }
  });

  it('streams a 40 MB line past without ever holding more than the limit', () => {
    const limit = 1024 * 1024;
    const s = new LineSplitter(limit);
    const chunk = Buffer.alloc(1024 * 1024, 0x61); // one 1 MiB buffer reused for all 40 pushes
    let maxPending = 0;
    const lines: string[] = [];
    const long: number[] = [];
    const take = (r: SplitResult): void => {
      lines.push(...r.lines);
      long.push(...r.longLines);
      maxPending = Math.max(maxPending, s.pendingBytes);
    };
    take(s.push(Buffer.from('{"before":1}\n')));
    for (let i = 0; i < 40; i++) take(s.push(chunk));
    take(s.push(Buffer.from('\n{"after":1}\n')));
    take(s.end());
    expect(lines).toEqual(['{"before":1}', '{"after":1}']);
    expect(long).toEqual([40 * 1024 * 1024]);
    expect(maxPending).toBeLessThanOrEqual(limit);
  });

  it('counts an over-long last line that has no newline', () => {
    expect(split(Buffer.from(`a\n${'z'.repeat(50)}`), [8], 10)).toEqual({ lines: ['a'], longLines: [50] });
  });

  it('reset() drops a partial line (the file was truncated under us)', () => {
    const s = new LineSplitter();
    s.push(Buffer.from('{"partial":'));
    s.reset();
    expect(s.pendingBytes).toBe(0);
    expect(s.push(Buffer.from('{"fresh":1}\n')).lines).toEqual(['{"fresh":1}']);
  });

  it('does not keep a view into the caller\'s buffer for the partial line', () => {
    const s = new LineSplitter();
    const buf = Buffer.from('{"ab');
    s.push(buf);
    buf.fill(0x21); // the caller reuses its read buffer
    expect(s.push(Buffer.from('c":1}\n')).lines).toEqual(['{"abc":1}']);
  });
});
