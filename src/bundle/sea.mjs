#!/usr/bin/env node
// `npm run sea`: a single executable (Node's single-executable application support) for nodes that
// have no Node.js at all. It is a copy of a node binary with a blob injected that runs sea-main.cjs,
// which unpacks the ESM bundle (embedded as an asset) and imports it.
//
//   node src/bundle/sea.mjs [--node PATH] [--out FILE] [--entry FILE] [--no-strip]
//
// --node picks the Node.js binary to embed (default: the one running this script). The blob must be
// produced by the same binary it is injected into, so that binary also generates it. Node ≥ 20.12 is
// needed for `assets` in the SEA config and `node:sea`'s getAsset.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle } from './build.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

// Node's documented sentinel: postject flips this fuse so the binary looks for the injected blob.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// Pinned so that `npx` fetches the same injector every time when the devDependency is not installed.
const POSTJECT = 'postject@1.0.0-alpha.6';

function die(message) {
  process.stderr.write(`sea: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) die(`${what}: ${r.error.message}`);
  if (r.status !== 0) die(`${what} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    out: { type: 'string' },
    // For probing the pipeline with another entry than src/cli.ts.
    entry: { type: 'string' },
    'no-strip': { type: 'boolean', default: false },
  },
});

// macOS and Windows need extra steps (Mach-O segment, code signing, PE resources) that nobody here can
// test; control-plane nodes are Linux.
if (process.platform !== 'linux') die(`only Linux executables are built here (this is ${process.platform})`);

const nodeBin = resolve(values.node ?? process.execPath);
const version = run(nodeBin, ['-p', 'process.version + " " + process.platform + "-" + process.arch'], `${nodeBin} --version`);
const [nodeVersion = '', target = ''] = version.split(' ');
const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  die(`${nodeBin} is Node ${nodeVersion}; single executables with embedded assets need Node ≥ 20.12`);
}

// Distribution packages (Debian/Ubuntu's nodejs, some RPMs) ship a small `node` linked against a shared
// libnode without the fuse; injecting into it cannot work, so say that instead of producing a dud.
const nodeImage = readFileSync(nodeBin);
if (!nodeImage.includes(`${SEA_FUSE}:0`)) {
  die(`${nodeBin} has no single-executable fuse (a distribution build linked to libnode?); use an official Node.js binary via --node`);
}

const outfile = resolve(values.out ?? join(ROOT, 'dist', `auditop-${target}`));
const { outfile: bundleFile } = await bundle({ entry: values.entry, quiet: false });

const work = mkdtempSync(join(tmpdir(), 'auditop-sea-build-'));
try {
  const blob = join(work, 'sea.blob');
  writeFileSync(
    join(work, 'sea-config.json'),
    JSON.stringify({
      main: join(HERE, 'sea-main.cjs'),
      output: blob,
      // The warning would land on an operator's terminal on every start.
      disableExperimentalSEAWarning: true,
      // The code cache would only cover the 2 KB loader (the bundle is an ESM asset compiled at
      // import time), and it ties the blob to V8 flags; not worth it.
      useCodeCache: false,
      assets: { 'auditop.mjs': bundleFile },
    }),
  );
  run(nodeBin, ['--experimental-sea-config', join(work, 'sea-config.json')], 'node --experimental-sea-config');

  const image = join(work, 'auditop');
  copyFileSync(nodeBin, image);
  chmodSync(image, 0o755);
  // Debug symbols are ~13 MB of a 99 MB node binary; stripping before injection is safe (the fuse lives
  // in .rodata, and postject adds its own note section afterwards).
  if (!values['no-strip'] && process.platform === 'linux' && spawnSync('strip', ['--version']).status === 0) {
    run('strip', [image], 'strip');
  }

  const localPostject = join(ROOT, 'node_modules', '.bin', 'postject');
  const [cmd, pre] = existsSync(localPostject) ? [localPostject, []] : ['npx', ['--yes', POSTJECT]];
  run(cmd, [...pre, image, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], 'postject');

  copyFileSync(image, outfile);
  chmodSync(outfile, 0o755);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const size = statSync(outfile).size;
process.stderr.write(
  `${relative(process.cwd(), outfile)}: ${(size / 1024 / 1024).toFixed(1)} MB (Node ${nodeVersion}, ${target})\n`,
);
