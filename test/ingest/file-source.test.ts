import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileSource, SourceError, sourceErrorFrom } from '../../src/ingest/file-source.js';
import { fixture, readAll } from './collect.js';

const dir = mkdtempSync(join(tmpdir(), 'auditop-file-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ev = (id: string): string =>
  JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete', verb: 'get', stageTimestamp: '2026-11-21T09:00:00.000000Z' });

describe('openFileSource: one fixture per bad-input case', () => {
  // [file, events, malformed]: every good event comes out, every bad line is counted once.
  const cases: [string, number, number][] = [
    ['truncated-json.log', 2, 1],
    ['binary-junk.log', 2, 1],
    ['kind-zero.log', 2, 1],
    ['empty-array.log', 2, 1],
    ['null.log', 2, 1],
    ['string.log', 2, 1],
    ['blank-lines.log', 2, 3],
    ['bom.log', 2, 0],
    ['crlf.log', 3, 0],
    ['no-trailing-newline.log', 2, 0],
    ['wrong-types.log', 6, 0],
    ['shape-only.log', 2, 1],
    ['event-list.log', 5, 1],
    ['request-response.log', 3, 0],
    ['aks-records.log', 2, 1],
    ['v1beta1.log', 1, 0],
    ['gzipped.log', 5, 0],
    ['pretty-event.json', 1, 0],
    ['pretty-array.json', 3, 1],
    ['pretty-event-list.json', 3, 0],
    ['otlp.json', 3, 0],
  ];
  it.each(cases)('%s: %i events, %i malformed', async (name, events, malformed) => {
    for (const chunkBytes of [1 << 20, 7]) {
      const got = await readAll([fixture(name)], { chunkBytes });
      expect(got.events.length, `chunkBytes ${chunkBytes}`).toBe(events);
      expect(got.malformed.length, `chunkBytes ${chunkBytes}: ${JSON.stringify(got.malformed)}`).toBe(malformed);
      expect(got.long).toEqual([]);
      expect(got.events.every((e) => e.source === fixture(name))).toBe(true);
    }
  });

  it('reads the files in the order given, with progress reaching each file\'s size', async () => {
    const names = ['crlf.log', 'gzipped.log', 'bom.log'];
    const got = await readAll(names.map(fixture), { chunkBytes: 512 });
    expect(got.events.map((e) => e.source)).toEqual([
      ...Array(3).fill(fixture('crlf.log')),
      ...Array(5).fill(fixture('gzipped.log')),
      ...Array(2).fill(fixture('bom.log')),
    ]);
    for (const n of names) {
      const progress = got.items.filter((i) => i.kind === 'progress' && i.source === fixture(n));
      const last = progress.at(-1);
      expect(last).toMatchObject({ bytesRead: readFileSync(fixture(n)).length, bytesTotal: readFileSync(fixture(n)).length });
    }
  });

  it('reads the next chunk only after the previous one was handed over (progress grows chunk by chunk)', async () => {
    const path = join(dir, 'many.log');
    writeFileSync(path, Array.from({ length: 200 }, (_, i) => ev(`m${i}`) + '\n').join(''));
    const got = await readAll([path], { chunkBytes: 4096 });
    const steps = got.items.filter((i) => i.kind === 'progress').map((i) => (i.kind === 'progress' ? i.bytesRead : 0));
    expect(steps.length).toBeGreaterThan(3);
    for (let i = 1; i < steps.length; i++) expect(steps[i]! - steps[i - 1]!).toBeLessThanOrEqual(4096);
    expect(got.events).toHaveLength(200);
  });
});

describe('openFileSource: gzip, long lines and documents', () => {
  it('chooses gzip by content, not by name', async () => {
    const plainNamedGz = join(dir, 'plain.log.gz');
    copyFileSync(fixture('crlf.log'), plainNamedGz);
    expect((await readAll([plainNamedGz])).events).toHaveLength(3);
    const gz = join(dir, 'rotated.1.gz');
    copyFileSync(fixture('gzipped.log'), gz);
    expect((await readAll([gz])).events).toHaveLength(5);
  });

  it('reads concatenated gzip members (logrotate with copytruncate appends them)', async () => {
    const path = join(dir, 'multi.gz');
    writeFileSync(path, Buffer.concat([gzipSync(ev('g1') + '\n'), gzipSync(ev('g2') + '\n')]));
    expect((await readAll([path])).events.map((e) => e.auditID)).toEqual(['g1', 'g2']);
  });

  it('a truncated .gz keeps what was decoded, says so, and goes on with the next file', async () => {
    const body = Array.from({ length: 2000 }, (_, i) => ev(`t${i}`) + '\n').join('');
    const gz = gzipSync(body);
    const path = join(dir, 'truncated.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const got = await readAll([path, fixture('bom.log')], { chunkBytes: 1024 });
    const fromGz = got.events.filter((e) => e.source === path);
    expect(fromGz.length).toBeGreaterThan(100);
    expect(fromGz.length).toBeLessThan(2000);
    // the events that came out are the first ones, in order
    expect(fromGz.map((e) => e.auditID)).toEqual(Array.from({ length: fromGz.length }, (_, i) => `t${i}`));
    expect(got.malformed.length).toBeLessThanOrEqual(1); // the line cut in half, if any
    expect(got.notices).toHaveLength(1);
    expect(got.notices[0]).toMatch(/truncated\.gz: gzip data is corrupt or truncated/);
    expect(got.events.filter((e) => e.source === fixture('bom.log'))).toHaveLength(2);
  });

  it('skips a line over maxLineBytes and counts it, keeping every event around it', async () => {
    const path = join(dir, 'huge-line.log');
    const huge = JSON.stringify({ kind: 'Event', auditID: 'huge', stage: 'ResponseComplete', verb: 'get', requestObject: { pad: 'x'.repeat(300_000) } });
    writeFileSync(path, `${ev('a')}\n${huge}\n${ev('b')}\n`);
    const got = await readAll([path], { maxLineBytes: 64 * 1024, chunkBytes: 16 * 1024 });
    expect(got.events.map((e) => e.auditID)).toEqual(['a', 'b']);
    expect(got.long).toEqual([Buffer.byteLength(huge)]);
    expect(got.malformed).toEqual([]);
  });

  it('a document larger than the line limit is read line by line, with a notice', async () => {
    const path = join(dir, 'big-pretty.json');
    writeFileSync(path, JSON.stringify(Array.from({ length: 50 }, (_, i) => JSON.parse(ev(`p${i}`))), null, 2));
    const got = await readAll([path], { maxLineBytes: 2048, chunkBytes: 512 });
    expect(got.events).toEqual([]);
    expect(got.malformed.length).toBeGreaterThan(50);
    expect(got.notices).toEqual([`${path} looks like one JSON document but is larger than the line limit; reading it line by line`]);
    // within the limit, the same file is one document of 50 events
    expect((await readAll([path], { maxLineBytes: 1 << 20, chunkBytes: 512 })).events).toHaveLength(50);
  });

  it('a log whose first line is cut short is still read as a log, not as a document', async () => {
    const path = join(dir, 'cut-first-line.log');
    writeFileSync(path, `${ev('x').slice(0, 40)}\n${ev('a')}\n${ev('b')}\n`);
    for (const chunkBytes of [1 << 20, 16]) {
      const got = await readAll([path], { chunkBytes });
      expect(got.events.map((e) => e.auditID)).toEqual(['a', 'b']);
      expect(got.malformed.map((m) => m.reason)).toEqual(['invalid JSON']);
    }
    // it was tried as a document (its first line starts with "{" and does not parse): say why it was not
    expect((await readAll([path])).notices).toEqual([`${path} starts like a JSON document but does not parse as one; reading it line by line`]);
  });

  it('reads a pipe (process substitution, mkfifo), gzip included, with an unknown total', async () => {
    for (const [name, data] of [
      ['plain.fifo', readFileSync(fixture('crlf.log'))],
      ['gz.fifo', readFileSync(fixture('gzipped.log'))],
      ['doc.fifo', readFileSync(fixture('pretty-array.json'))],
    ] as const) {
      const fifo = join(dir, name);
      execFileSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      writer.end(data);
      const got = await readAll([fifo], { chunkBytes: 64 });
      expect(got.events.length, name).toBe(name === 'gz.fifo' ? 5 : 3);
      const progress = got.items.filter((i) => i.kind === 'progress');
      expect(progress.at(-1)).toMatchObject({ bytesRead: data.length, bytesTotal: 0 });
    }
  });

  it('an empty file gives nothing and does not fail', async () => {
    const path = join(dir, 'empty.log');
    writeFileSync(path, '');
    const got = await readAll([path]);
    expect([got.events.length, got.malformed.length, got.notices.length]).toEqual([0, 0, 0]);
  });
});

describe('openFileSource: errors and close', () => {
  it('a missing file is a SourceError naming the path, before any line is read', async () => {
    const missing = join(dir, 'nope.log');
    const src = openFileSource([fixture('bom.log'), missing], { maxLineBytes: 1 << 20 });
    const it = src.items()[Symbol.asyncIterator]();
    const err = await it.next().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ path: missing, code: 'ENOENT', message: `cannot read ${missing}: no such file or directory` });
  });

  it('a directory is a SourceError', async () => {
    const err = await readAll([dir]).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ path: dir, code: 'EISDIR', message: `cannot read ${dir}: is a directory` });
  });

  it('permission denied suggests sudo', async () => {
    const e = sourceErrorFrom('/var/log/kubernetes/audit.log', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(e.message).toBe('cannot read /var/log/kubernetes/audit.log: permission denied (audit logs are usually readable by root only: try sudo)');
    expect(e.code).toBe('EACCES');
    if (process.getuid?.() === 0) return; // root reads anything: the real check below cannot happen
    const path = join(dir, 'secret.log');
    writeFileSync(path, ev('s'));
    chmodSync(path, 0o000);
    await expect(readAll([path])).rejects.toMatchObject({ code: 'EACCES', message: expect.stringContaining('try sudo') });
  });

  it('close() ends items() early and is idempotent', async () => {
    const path = join(dir, 'to-close.log');
    writeFileSync(path, Array.from({ length: 500 }, (_, i) => ev(`c${i}`) + '\n').join(''));
    const src = openFileSource([path], { maxLineBytes: 1 << 20, chunkBytes: 1024 });
    let lines = 0;
    for await (const item of src.items()) {
      if (item.kind === 'lines') lines += item.lines.length;
      if (lines > 10) await src.close();
    }
    expect(lines).toBeLessThan(500);
    await src.close();
  });

  it('close() also stops a gzip file mid-way', async () => {
    const path = join(dir, 'close.gz');
    writeFileSync(path, gzipSync(Array.from({ length: 5000 }, (_, i) => ev(`z${i}`) + '\n').join('')));
    const src = openFileSource([path], { maxLineBytes: 1 << 20, chunkBytes: 1024 });
    let lines = 0;
    for await (const item of src.items()) {
      if (item.kind === 'lines') lines += item.lines.length;
      if (lines > 10) await src.close();
    }
    expect(lines).toBeLessThan(5000);
  });
});

describe('openFileSource: line bytes', () => {
  /** Every 'lines' item, checked while it is current: each line is the UTF-8 text of its byte range. */
  async function check(path: string, opts: { chunkBytes: number; reuseReadBuffer?: boolean }): Promise<{ lines: string[]; buffers: Set<ArrayBufferLike> }> {
    const src = openFileSource([path], { maxLineBytes: 1 << 20, ...opts });
    const lines: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const item of src.items()) {
      if (item.kind !== 'lines') continue;
      const b = item.bytes;
      item.lines.forEach((l, i) => {
        const start = b?.ranges[2 * i] ?? -1;
        if (b && start >= 0) expect(b.buf.toString('utf8', start, b.ranges[2 * i + 1])).toBe(l);
        lines.push(l);
      });
      if (b) buffers.add(b.buf.buffer);
    }
    return { lines, buffers };
  }

  it('says where each line is, across chunk boundaries, CRLF and multi-byte text, with the read buffer reused or not', async () => {
    const path = join(dir, 'bytes.log');
    const text = Array.from({ length: 400 }, (_, i) => `${ev(i % 7 === 0 ? `id-${i} zoë ☃ 日本` : `id-${i}`)}${i % 3 === 0 ? '\r' : ''}`).join('\n');
    writeFileSync(path, `${text}\n`);
    const expected = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    // reads of 5000 bytes: above Buffer's pooling size, so each fresh read has its own ArrayBuffer
    const fresh = await check(path, { chunkBytes: 5000 });
    const reused = await check(path, { chunkBytes: 5000, reuseReadBuffer: true });
    expect(fresh.lines).toEqual(expected);
    expect(reused.lines).toEqual(expected);
    expect(fresh.buffers.size).toBeGreaterThan(10);
    // two: the one being split and the one read ahead meanwhile, taking turns
    expect(reused.buffers.size).toBe(2);
  });

  it('never reuses a gzip chunk or a held document chunk', async () => {
    const gz = join(dir, 'bytes.log.gz');
    const lines = Array.from({ length: 300 }, (_, i) => ev(`gz-${i}`));
    writeFileSync(gz, gzipSync(`${lines.join('\n')}\n`));
    expect((await check(gz, { chunkBytes: 512, reuseReadBuffer: true })).lines).toEqual(lines);
    const doc = join(dir, 'doc.json');
    writeFileSync(doc, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: lines.map((l) => JSON.parse(l)) }, null, 2));
    const got = await readAll([doc], { chunkBytes: 512, reuseReadBuffer: true });
    expect(got.events.map((e) => e.auditID)).toEqual(lines.map((_, i) => `gz-${i}`));
  });
});
