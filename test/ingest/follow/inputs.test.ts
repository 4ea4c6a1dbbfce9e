import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/ingest/file-source.js';
import { openFollowInputs } from '../../../src/ingest/follow/inputs.js';
import type { Source } from '../../../src/ingest/source.js';
import { BASE_OPTS, Collector, lines, tempDir, waitFor } from './helpers.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function inputs(paths: string[], defaultPaths: string[], stdin?: PassThrough): Promise<Source[]> {
  const sources = await openFollowInputs(paths, { ...BASE_OPTS, defaultPaths, ...(stdin ? { stdin } : {}) });
  cleanups.push(() => Promise.all(sources.map((s) => s.close())).then(() => undefined));
  return sources;
}

describe('the sources of follow mode', () => {
  it('no FILE: follows the first default path that exists', async () => {
    const d = dir();
    const [a, b, c] = ['a.log', 'b.log', 'c.log'].map((n) => join(d, n)) as [string, string, string];
    writeFileSync(b, lines(1, 2));
    writeFileSync(c, lines(3, 4));
    const sources = await inputs([], [a, b, c]);
    expect(sources.map((s) => s.name)).toEqual([b]);
  });

  it('no FILE and none of the defaults exists: waits for the first, and says so', async () => {
    const d = dir();
    const [a, b] = [join(d, 'a.log'), join(d, 'b.log')];
    const sources = await inputs([], [a, b]);
    expect(sources.map((s) => s.name)).toEqual([a]);
    const c = new Collector(sources[0] as Source);
    await waitFor(() => c.notices().some((n) => n.includes('waiting for the file')), 'waiting notice');
    expect(c.notices()[0]).toContain('none of the usual audit log paths exists');
    await c.source.close();
    await c.finished;
  });

  it('FILEs and `-` together: one merged source for the files, one for stdin', async () => {
    const d = dir();
    const stdin = new PassThrough();
    const sources = await inputs([join(d, 'x.log'), '-', join(d, 'y.log')], [], stdin);
    expect(sources.map((s) => s.name)).toEqual([`${join(d, 'x.log')}, ${join(d, 'y.log')}`, 'stdin']);
  });

  it('a directory is refused up front with a SourceError', async () => {
    const d = dir();
    await expect(inputs([d], [])).rejects.toBeInstanceOf(SourceError);
  });
});
