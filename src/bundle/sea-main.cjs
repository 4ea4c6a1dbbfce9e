'use strict';
// Entry of the single executable (`npm run sea`). Node's single-executable support runs one CommonJS
// script, and auditop is ESM with top-level await (Ink's layout engine awaits its wasm), so this
// script only unpacks the ESM bundle that was embedded as an asset and import()s it.
//
// Why a private temp file rather than a data: URL: a module's URL appears in every stack frame and in
// `import.meta.url`, and a data: URL of the bundle would print megabytes per trace. The data: URL stays
// as the fallback for a node whose temp directory cannot be written (full, read-only).
//
// Why the file stays until exit: the replay decode worker (src/ingest/offload.ts) starts a worker
// thread on `import.meta.url`, i.e. on this file, whenever a large replay begins. Deleted right after
// loading, the worker could not start and replays would run single-threaded (measured: 30k events,
// 33 MB, worker on in the bundle, off in an executable that had deleted its copy).
//
// Only built-in modules can be require()d here (the embedded script has no file of its own).
const sea = require('node:sea');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ASSET = 'auditop.mjs';
// Directory names carry the owning process id, so a later run can tell a copy left behind by a run
// that was killed outright (SIGKILL, OOM killer: no 'exit' event) from one that is still in use.
const PREFIX = 'auditop-sea-';

function fail(message) {
  process.stderr.write(`auditop: ${message}\n`);
  process.exit(1);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; only ESRCH means gone.
    return err.code !== 'ESRCH';
  }
}

// Best effort and conservative: only our own directories, by exact name, whose process is gone.
function sweepStale(tmp) {
  let names;
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  for (const name of names) {
    const m = /^auditop-sea-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (m === null || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    const dir = path.join(tmp, name);
    try {
      if (fs.lstatSync(dir).uid !== uid) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // someone else's, or already gone
    }
  }
}

if (!sea.isSea() || typeof sea.getAsset !== 'function') {
  fail('this entry only runs inside the single executable built by `npm run sea` (Node ≥ 20.12)');
}

const source = sea.getAsset(ASSET, 'utf8');

let dir;
function cleanup() {
  if (dir === undefined) return;
  const d = dir;
  dir = undefined;
  try {
    fs.rmSync(d, { recursive: true, force: true });
  } catch {
    // Best effort: a leftover 0700 directory is harmless, the next run sweeps it, and it must not
    // change the exit status.
  }
}

let url;
try {
  const tmp = os.tmpdir();
  sweepStale(tmp);
  // mkdtemp creates a fresh directory with mode 0700, so nobody else can swap the file between our
  // write and Node's read.
  dir = fs.mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
  const file = path.join(dir, ASSET);
  fs.writeFileSync(file, source, { mode: 0o600 });
  url = pathToFileURL(file).href;
  // 'exit' fires on a normal end, on process.exit() (auditop's q, SIGINT, SIGTERM and SIGHUP all
  // end that way) and after an uncaught exception.
  process.once('exit', cleanup);
} catch {
  cleanup();
  url = `data:text/javascript;base64,${Buffer.from(source, 'utf8').toString('base64')}`;
}

import(url).catch((err) => {
  cleanup();
  // The bundle handles its own errors; anything reaching here is a failure to load it at all.
  fail(`could not start the embedded bundle: ${err && err.message ? err.message : String(err)}`);
});
