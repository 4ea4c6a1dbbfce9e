#!/usr/bin/env node
// `npm run bundle`: one ESM file, dist/auditop.mjs, that runs with `node auditop.mjs …` on Node ≥ 20
// with no node_modules next to it (operators copy one file to a control-plane node).
//
// Plain JS on purpose: it runs before (and without) `tsc`, and esbuild compiles the TypeScript sources
// itself. Why ESM and not CJS: Ink's layout engine (yoga-layout 3) awaits its wasm at the top level of
// its module, which a CommonJS bundle cannot express (esbuild refuses "top-level await" in cjs output).
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The budget: small enough to scp to a node without thinking about it.
export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;

// CommonJS dependencies bundled into ESM output call `require('events')` and friends; esbuild turns
// those into a `__require` that throws "Dynamic require … is not supported" unless a real `require`
// is in scope. Only Node built-ins reach it (everything else is inlined), so any base path does; the
// executable's data: URL fallback (sea-main.cjs) has no file URL, hence process.execPath there.
const BANNER = [
  "import { createRequire as __auditopCreateRequire } from 'node:module';",
  "const require = __auditopCreateRequire(import.meta.url.startsWith('file:') ? import.meta.url : process.execPath);",
].join('\n');

// Ink's development mode (DEV=true in the environment) imports `./devtools.js`, which needs the optional
// peer react-devtools-core, and reads `../package.json` relative to its own file. Neither exists beside
// a copied single file, and an operator's shell may well have DEV=true for unrelated reasons, so in the
// bundle Ink's `isDev` is always false and devtools.js is never pulled in.
const inkWithoutDevMode = {
  name: 'ink-without-dev-mode',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]utils\.js$/ }, () => ({
      contents: 'const isDev = () => false;\nexport { isDev };\n',
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      /[\\/]ink[\\/]build$/.test(args.resolveDir)
        ? { path: 'ink-devtools', namespace: 'auditop-stub' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'auditop-stub' }, () => ({
      contents: '// react-devtools-core is left out of the single-file build\nexport {};\n',
      loader: 'js',
    }));
  },
};

/**
 * Bundle `entry` into `outfile`. Returns the output size in bytes; throws when esbuild fails or the
 * file exceeds MAX_BUNDLE_BYTES.
 * @param {{ entry?: string, outfile?: string, quiet?: boolean }} [opts]
 */
export async function bundle(opts = {}) {
  const entry = resolve(opts.entry ?? join(ROOT, 'src', 'cli.ts'));
  const outfile = resolve(opts.outfile ?? join(ROOT, 'dist', 'auditop.mjs'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Resolve packages from the checkout even when the entry lives elsewhere (a probe under /tmp).
    nodePaths: [join(ROOT, 'node_modules')],
    banner: { js: BANNER },
    // React picks its production build from NODE_ENV at require time; fixing it here drops the
    // development build (half the size, and no dev-only warnings on an operator's terminal).
    define: {
      'process.env.NODE_ENV': '"production"',
      // src/version.ts reads package.json at run time when compiled by tsc; in the bundle there is
      // no package.json beside the file, so the version is baked in.
      __AUDITOP_VERSION__: JSON.stringify(pkg.version),
    },
    // Syntax minification only: it folds the NODE_ENV branches away, while names and line breaks stay
    // so that a stack trace pasted from a node points at readable code (size is far under budget).
    minifySyntax: true,
    legalComments: 'none',
    plugins: [inkWithoutDevMode],
    logLevel: opts.quiet ? 'error' : 'warning',
    metafile: true,
  });
  const size = statSync(outfile).size;
  if (!opts.quiet) {
    process.stderr.write(`${relative(process.cwd(), outfile)}: ${(size / 1024 / 1024).toFixed(2)} MB (${size} bytes)\n`);
  }
  if (size > MAX_BUNDLE_BYTES) {
    throw new Error(`${outfile} is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte budget`);
  }
  return { size, outfile, metafile: result.metafile };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({
    options: { entry: { type: 'string' }, out: { type: 'string' } },
  });
  bundle({ entry: values.entry, outfile: values.out }).catch((err) => {
    process.stderr.write(`bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
