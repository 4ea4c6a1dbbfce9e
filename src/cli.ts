#!/usr/bin/env node
/**
 * The `auditop` command: argv → Config → run(). Exit codes (SPEC §1): 0 normal end, 1 runtime
 * failure (one line on stderr), 2 usage error (one line plus a hint). Never a stack trace for a
 * user mistake; AUDITOP_DEBUG=1 adds the stack of an unexpected error.
 *
 * This file is what runs first: it sets V8's flags, starts the decode worker early for a replay of
 * one big file (prestart.ts), and only then loads the rest of the program (main.ts, ~80 ms of
 * module loading that the worker's start now overlaps).
 */
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { prestartFromArgv } from './prestart.js';

/**
 * Evicted rows are a steady stream of old-generation garbage, and by default V8 lets that reach
 * ~4× the live heap before a full collection. Measured on the 1M-event bench (100k ring): peak RSS
 * ~600 MB by default, ~390 MB with a 40% growth factor, for ~10% more CPU. Since buffered events keep
 * time, uri and name as places in their raw bytes (event-texts.ts) the live heap is ~20 MB smaller,
 * and 70% fits in the same peak: 366-375 MB, against 377-386 MB for the earlier code at 40%, with
 * fewer full collections (12 against 17 per replay); the two changes together took 3-5% off the
 * replay (six interleaved runs each). 85% peaked at 375-381 MB and was no faster. The flag is read
 * at each full GC, so setting it here, before any data is read, applies to the whole run.
 */
setFlagsFromString('--heap-growing-percent=70');
/**
 * Scavenges run on this thread alone instead of being split across V8's helper threads. auditop
 * shares its node with etcd and the API server, and both of its own threads are busy during a
 * replay: the helpers then only compete with them. Measured on the 1M-event bench replay (2 cores),
 * per-thread CPU: helpers 2.2 → 1.4 s, main thread and decode worker unchanged (4.8 s, 4.7 s), wall
 * 6.25 → 5.94 s (medians of six runs). Read at each scavenge, so it applies to the decode worker too.
 */
setFlagsFromString('--no-parallel-scavenge');

// In a single-file bundle the decode worker (src/ingest/offload.ts) loads this same file: the CLI
// runs on the main thread only.
if (isMainThread) {
  const argv = process.argv.slice(2);
  prestartFromArgv(argv);
  import('./main.js')
    .then(({ main }) => main(argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        // main() reports its own errors: only a failure to load the program gets here
        process.stderr.write(`auditop: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}
