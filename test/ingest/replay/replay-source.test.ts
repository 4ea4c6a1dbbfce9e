import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORDER_SLACK_MS, openReplay } from '../../../src/ingest/replay/replay-source.js';
import { SEEK_MIN_BYTES, seekOffset } from '../../../src/ingest/replay/seek.js';
import { parseTimeBound, type TimeBound } from '../../../src/ingest/replay/window.js';
import { collect, eventLine, series, T0, tempDir, writeLog } from './helpers.js';

const MAX = 16 * 1024 * 1024;
const bound = (s: string): TimeBound => {
  const b = parseTimeBound(s);
  if (typeof b === 'string') throw new Error(b);
  return b;
};

describe('replay source', () => {
  it('reads a rotated set oldest first, .gz transparently, and reports progress to the end', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', series('c', T0 + 20_000, 5, 1_000), 100);
    writeLog(dir, 'audit-2026-11-20T10-00-10.000.log.gz', series('a', T0, 5, 1_000), 300);
    writeLog(dir, 'audit-2026-11-20T10-00-20.000.log', series('b', T0 + 10_000, 5, 1_000), 200);
    const progress: number[][] = [];
    let ended = 0;
    const r = await openReplay([dir], { maxLineBytes: MAX, chunkBytes: 256, onProgress: (a, b) => progress.push([a, b]), onEnd: () => ended++ });
    const got = await collect(r.source);
    expect(got.ids).toEqual([...series('a', 0, 5, 0), ...series('b', 0, 5, 0), ...series('c', 0, 5, 0)].map((l) => /"auditID":"([^"]+)"/.exec(l)![1]));
    const total = r.sets[0]!.files.reduce((n, f) => n + f.size, 0);
    expect(progress.at(-1)).toEqual([total, total]);
    // progress never goes backwards
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]!);
    expect(ended).toBe(1);
  });

  it('merges several sets by event time, keeping each file order', async () => {
    const a = tempDir();
    const b = tempDir();
    writeLog(a, 'audit.log.1', series('a1', T0, 3, 2_000)); // 0 2 4
    writeLog(a, 'audit.log', series('a2', T0 + 6_000, 3, 2_000)); // 6 8 10
    writeLog(b, 'audit.log', [...series('b', T0 + 1_000, 6, 2_000), 'not json at all']); // 1 3 5 7 9 11, junk after 11
    const r = await openReplay([a, b], { maxLineBytes: MAX, chunkBytes: 128 });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['a1-0', 'b-0', 'a1-1', 'b-1', 'a1-2', 'b-2', 'a2-0', 'b-3', 'a2-1', 'b-4', 'a2-2', 'b-5', '?']);
    // each line keeps the file it came from
    expect(got.sources[0]).toMatch(/audit\.log\.1$/);
    expect(got.sources[1]).toContain(b);
  });

  it('keeps an absolute --since/--until window and drops what is outside before decoding', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', series('e', T0, 60, 60_000)); // one event a minute for an hour
    const r = await openReplay([dir], {
      maxLineBytes: MAX,
      since: bound('2026-11-20T10:10:00Z'),
      until: bound('2026-11-20T10:12:00Z'),
    });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['e-10', 'e-11', 'e-12']);
    expect(got.notices).toContain('replaying 2026-11-20T10:10:00Z to 2026-11-20T10:12:00Z');
  });

  it('resolves -2h from the end of the log and +15m from its start, not from the wall clock', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log.1.gz', series('old', T0, 4, 3_600_000)); // 10:00 11:00 12:00 13:00
    writeLog(dir, 'audit.log', series('new', T0 + 4 * 3_600_000, 2, 3_600_000)); // 14:00 15:00
    const late = await openReplay([dir], { maxLineBytes: MAX, since: bound('-2h') });
    expect(late.span.last).toBe(T0 + 5 * 3_600_000);
    expect((await collect(late.source)).ids).toEqual(['old-3', 'new-0', 'new-1']);
    const early = await openReplay([dir], { maxLineBytes: MAX, until: bound('+15m') });
    expect((await collect(early.source)).ids).toEqual(['old-0']);
  });

  it('skips whole rotated files before --since without reading them, and stops after --until', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit-2026-11-20T11-00-00.000.log.gz', series('a', T0, 60, 60_000));
    writeLog(dir, 'audit-2026-11-20T12-00-00.000.log.gz', series('b', T0 + 3_600_000, 60, 60_000));
    writeLog(dir, 'audit.log', series('c', T0 + 7_200_000, 60, 60_000));
    const r = await openReplay([dir], { maxLineBytes: MAX, since: bound('2026-11-20T11:30:00Z'), until: bound('2026-11-20T11:31:00Z') });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['b-30', 'b-31']);
    expect(got.notices.some((n) => n.startsWith('skipped 1 file of'))).toBe(true);
    const last = got.progress.at(-1)!;
    expect(last.bytesRead).toBe(last.bytesTotal);
  });

  it('windows an EventList line item by item', async () => {
    const dir = tempDir();
    const items = series('i', T0, 5, 60_000).map((l) => JSON.parse(l) as unknown);
    writeLog(dir, 'batch.json', [JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items })]);
    const r = await openReplay([dir], { maxLineBytes: MAX, since: bound('2026-11-20T10:01:00Z'), until: bound('2026-11-20T10:03:00Z') });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('ignores a relative bound, with a notice, when the input has no event times', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', ['{"auditID":"a","stage":"ResponseComplete","verb":"get"}', 'junk']);
    const r = await openReplay([dir], { maxLineBytes: MAX, since: bound('-2h') });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['a', '?']);
    expect(got.notices).toContain('no event times found to count --since from; ignored');
  });

  it('reads a pipe once, from the start, and merges it with files', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'from-ssh');
    execFileSync('mkfifo', [fifo]);
    const file = writeLog(dir, 'cp2.log', series('f', T0 + 500, 3, 1_000));
    // the writer blocks until the replay opens the pipe for reading
    const writing = writeFile(fifo, series('p', T0, 3, 1_000).map((l) => `${l}\n`).join(''));
    const r = await openReplay([fifo, file], { maxLineBytes: MAX, since: bound('-1h') });
    const got = await collect(r.source);
    await writing;
    expect(got.ids).toEqual(['p-0', 'f-0', 'p-1', 'f-1', 'p-2', 'f-2']);
  });

  it('keeps lines without a time with the line before them', async () => {
    const dir = tempDir();
    writeLog(dir, 'audit.log', [eventLine('in', T0 + 60_000), '{"truncated', eventLine('out', T0 + 600_000), 'junk']);
    const r = await openReplay([dir], { maxLineBytes: MAX, until: bound('2026-11-20T10:05:00Z') });
    expect((await collect(r.source)).ids).toEqual(['in', '?']);
  });
});

describe('seeking to --since in a large plain log', () => {
  it('starts near the window instead of reading the file from the start, and keeps exactly the window', async () => {
    const dir = tempDir();
    // ~12 MB: 24,000 events one per second (6h40m)
    const path = writeLog(dir, 'audit.log', series('s', T0, 24_000, 1_000));
    const since = T0 + 20_000_000;
    const seekTo = await seekOffset(path, since, ORDER_SLACK_MS);
    expect(seekTo).toBeGreaterThan(SEEK_MIN_BYTES);
    const r = await openReplay([path], { maxLineBytes: MAX, since: { kind: 'absolute', ms: since }, until: { kind: 'absolute', ms: since + 2_000 } });
    const got = await collect(r.source);
    expect(got.ids).toEqual(['s-20000', 's-20001', 's-20002']);
    expect(got.notices.some((n) => /^skipped the first \d+ MB of .*audit\.log \(before 2026-11-20T15:33:20Z\)$/.test(n))).toBe(true);
    expect(got.progress.at(-1)!.bytesRead).toBe(got.progress.at(-1)!.bytesTotal);
  });

  it('does not seek in a gzip file or a small one', async () => {
    const dir = tempDir();
    const gz = writeLog(dir, 'a.log.gz', series('g', T0, 100, 1_000));
    const small = writeLog(dir, 'b.log', series('p', T0, 100, 1_000));
    expect(await seekOffset(gz, T0 + 50_000, 0)).toBe(0);
    expect(await seekOffset(small, T0 + 50_000, 0)).toBe(0);
  });
});
