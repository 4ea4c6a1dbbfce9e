/**
 * Bench input files: generated deterministically once and cached under the OS temp dir, keyed by
 * the traffic generator's version, so repeated `npm run bench` runs skip the generation.
 */
import { existsSync, mkdirSync, renameSync, statSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRAFFIC_GENERATOR_VERSION, writeTraffic } from '../demo/traffic.js';

export const BENCH_SEED = 1_000_003;
/** Event time of the first generated event: any fixed instant will do (determinism). */
export const BENCH_START = Date.UTC(2026, 10, 20, 0, 0, 0);
/** A busy cluster's rate: 1M events span ~14 minutes of event time, so windows and watches turn over. */
export const BENCH_EVENTS_PER_SECOND = 1200;

export function cacheDir(): string {
  const dir = join(tmpdir(), 'auditop-bench-cache', `traffic-v${TRAFFIC_GENERATOR_VERSION}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Path of a file of `count` generated events; generated on first use (written to a temp name, then renamed). */
export async function trafficFile(count: number, log: (m: string) => void): Promise<string> {
  const path = join(cacheDir(), `traffic-${count}-seed${BENCH_SEED}.log`);
  if (existsSync(path)) return path;
  log(`generating ${count} events into ${path} (cached for later runs)…`);
  const t0 = performance.now();
  const tmp = `${path}.${process.pid}.tmp`;
  const bytes = await writeTraffic(tmp, { seed: BENCH_SEED, start: BENCH_START, eventsPerSecond: BENCH_EVENTS_PER_SECOND, count });
  renameSync(tmp, path);
  log(`generated ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}

/**
 * `count` generated events with one line of `longBytes` bytes in the middle (a JSON string field
 * that long: valid JSON, just over the line limit).
 */
export async function longLineFile(count: number, longBytes: number, log: (m: string) => void): Promise<string> {
  const path = join(cacheDir(), `long-line-${count}-${longBytes}.log`);
  if (existsSync(path) && statSync(path).size > longBytes) return path;
  log(`generating ${path}…`);
  const head = join(cacheDir(), `long-line-head-${process.pid}.tmp`);
  await writeTraffic(head, { seed: BENCH_SEED + 1, start: BENCH_START, eventsPerSecond: BENCH_EVENTS_PER_SECOND, count: Math.floor(count / 2) });
  const tail = join(cacheDir(), `long-line-tail-${process.pid}.tmp`);
  await writeTraffic(tail, { seed: BENCH_SEED + 2, start: BENCH_START + 3_600_000, eventsPerSecond: BENCH_EVENTS_PER_SECOND, count: count - Math.floor(count / 2) });
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const { createReadStream } = await import('node:fs');
  for await (const chunk of createReadStream(head)) if (!out.write(chunk)) await once(out, 'drain');
  // the long line: an event whose annotation value is huge, written in 1 MiB pieces
  const prefix = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"long-line","stage":"ResponseComplete","verb":"get","annotations":{"x":"';
  out.write(prefix);
  const piece = 'x'.repeat(1 << 20);
  let written = prefix.length;
  while (written + piece.length < longBytes) {
    if (!out.write(piece)) await once(out, 'drain');
    written += piece.length;
  }
  out.write('"}}\n');
  for await (const chunk of createReadStream(tail)) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  renameSync(tmp, path);
  const { rmSync } = await import('node:fs');
  rmSync(head, { force: true });
  rmSync(tail, { force: true });
  return path;
}
