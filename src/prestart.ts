/**
 * Starts the decode worker before the rest of the program loads, when the command line is a replay
 * of one big regular file (the common case, and the bench's): the worker's start then overlaps the
 * main thread's module loading instead of following it. Measured on the 2-core bench machine: the
 * main thread was ready at ~140 ms and idle until the worker's first batch at ~230 ms.
 *
 * Only a guess: whatever the command line turns out to mean, the pipeline asks for the worker it
 * needs (offload.ts startDecodeWorker), gets this one when it was started for the same plan, and
 * this one is stopped otherwise. Anything unusual (more paths, --since/--until, a usage error) and
 * nothing is started.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultSpeed, drawsScreen, OPTIONS } from './cli-options.js';
import { CHUNK_BYTES } from './ingest/file-source.js';
import { DEFAULT_MAX_LINE_BYTES } from './ingest/lines.js';
import { prestartDecodeWorker, workerWorthwhile } from './ingest/offload.js';

export function prestartFromArgv(argv: string[], env: NodeJS.ProcessEnv = process.env, stdoutIsTTY = process.stdout.isTTY === true): boolean {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch {
    return false;
  }
  const { positionals, values } = parsed;
  // a time window seeks into the file first (replay/window.ts): the plan is not the whole file
  if (positionals.length !== 2 || positionals[0] !== 'replay' || values.since !== undefined || values.until !== undefined || values.help === true || values.version === true) return false;
  // Only a replay at full speed reads its file through the worker (replay/index.ts). Without
  // --speed, that is a headless one (the speed config.ts gives it: same functions).
  const tui = drawsScreen(values['no-tui'] === true, stdoutIsTTY, values.print);
  if ((values.speed ?? String(defaultSpeed(tui))) !== 'max') return false;
  const path = positionals[1] as string;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    return false;
  }
  if (!workerWorthwhile(size, env)) return false;
  prestartDecodeWorker({ paths: [path], maxLineBytes: DEFAULT_MAX_LINE_BYTES, chunkBytes: CHUNK_BYTES });
  return true;
}
