import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Source } from '../../../src/ingest/source.js';

export const T0 = Date.parse('2026-11-20T10:00:00Z');

/** A compact audit event line as kube-apiserver writes it, stamped `ms` (event time). */
export function eventLine(id: string, ms: number, extra: Record<string, unknown> = {}): string {
  const t = new Date(ms).toISOString().replace('Z', '000Z'); // microseconds, like the API server
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: id,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'list',
    user: { username: 'alice@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.31.0',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    ...extra,
    requestReceivedTimestamp: t,
    stageTimestamp: t,
  });
}

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed after the test file. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'auditop-replay-'));
  made.push(d);
  return d;
}

/** Writes lines to dir/name (gzip when the name ends in .gz) and returns the path. */
export function writeLog(dir: string, name: string, lines: string[], mtimeSec?: number): string {
  const p = join(dir, name);
  mkdirSync(dirname(p), { recursive: true });
  const text = lines.map((l) => `${l}\n`).join('');
  writeFileSync(p, name.endsWith('.gz') ? gzipSync(text) : text);
  if (mtimeSec !== undefined) utimesSync(p, mtimeSec, mtimeSec);
  return p;
}

/** Lines `<prefix>-<i>` every `stepMs` from `start`. */
export function series(prefix: string, start: number, n: number, stepMs: number): string[] {
  return Array.from({ length: n }, (_, i) => eventLine(`${prefix}-${i}`, start + i * stepMs));
}

export interface Collected {
  ids: string[];
  sources: string[];
  notices: string[];
  progress: { bytesRead: number; bytesTotal: number }[];
}

/** Reads a source to its end, collecting the auditIDs of its lines (junk lines as "?"). */
export async function collect(source: Source): Promise<Collected> {
  const out: Collected = { ids: [], sources: [], notices: [], progress: [] };
  for await (const item of source.items()) {
    if (item.kind === 'lines') {
      for (const l of item.lines) {
        const m = /"auditID":"([^"]+)"/.exec(l);
        out.ids.push(m ? m[1]! : '?');
        out.sources.push(item.source);
      }
    } else if (item.kind === 'notice') out.notices.push(item.message);
    else if (item.kind === 'progress') out.progress.push({ bytesRead: item.bytesRead, bytesTotal: item.bytesTotal });
  }
  return out;
}
