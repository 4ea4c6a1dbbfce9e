/**
 * Regenerates the saved demo logs in demo-logs/ (`npm run make-demo-logs`). Deterministic: the same
 * generator version writes byte-identical files, so a diff shows only real changes.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTraffic } from './traffic.js';

/** A quiet morning on a 12-node cluster: 3,000 events over about five minutes of event time. */
export const QUIET_DAY = { file: 'quiet-day.log', seed: 20261121, start: Date.UTC(2026, 10, 20, 9, 0, 0), eventsPerSecond: 10, count: 3000 };

async function main(): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo-logs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, QUIET_DAY.file);
  const bytes = await writeTraffic(path, QUIET_DAY);
  process.stderr.write(`wrote ${path}: ${QUIET_DAY.count} events, ${bytes} bytes\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`make-demo-logs: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
