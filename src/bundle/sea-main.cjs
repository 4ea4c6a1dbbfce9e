'use strict';
// Entry of the single executable (`npm run sea`). Node's single-executable support runs one CommonJS
// script, and auditop is ESM with top-level await (Ink's layout engine awaits its wasm), so this
// script only unpacks the ESM bundle that was embedded as an asset and import()s it.
//
// Why a private temp file rather than a data: URL: a module's URL appears in every stack frame and in
// `import.meta.url`, and a data: URL of the ~1–3 MB bundle would print megabytes per trace. The data:
// URL stays as the fallback for a node whose temp directory cannot be written (full, read-only).
//
// Only built-in modules can be require()d here (the embedded script has no file of its own).
const sea = require('node:sea');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ASSET = 'auditop.mjs';
// The bundle's banner calls this as its first statement, i.e. once the loader has read and linked the
// file, so the unpacked copy lives for milliseconds rather than for the whole session.
const LOADED = Symbol.for('auditop.sea.loaded');

function fail(message) {
  process.stderr.write(`auditop: ${message}\n`);
  process.exit(1);
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
    // Best effort: a leftover 0700 directory in the temp dir is harmless and must not change the exit.
  }
}

let url;
try {
  // mkdtemp creates a fresh directory with mode 0700, so nobody else can swap the file between our
  // write and Node's read.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditop-'));
  const file = path.join(dir, ASSET);
  fs.writeFileSync(file, source, { mode: 0o600 });
  url = pathToFileURL(file).href;
  globalThis[LOADED] = cleanup;
  // Covers a bundle that exits before its banner ran (a syntax error would be a build bug, but the
  // directory should still go).
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
