/**
 * Data flows one way (STYLE.md): nothing under src/ingest, src/model, src/detect or src/state may
 * import ink or react, directly or through src/ui.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const CORE = ['ingest', 'model', 'detect', 'state'];
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function files(dir: string): string[] {
  let out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|tsx|mts|js)$/.test(n)) out.push(p);
  }
  return out;
}

export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
  return out;
}

describe('layering', () => {
  it('finds the imports it is meant to catch', () => {
    expect(importsOf("import { Box } from 'ink';\nimport React from \"react\";\nconst x = await import('ink-testing-library');\nimport '../ui/App.js';")).toEqual(['ink', 'react', 'ink-testing-library', '../ui/App.js']);
  });

  it('src/ingest, model, detect and state never import ink, react or src/ui', () => {
    const offenders: string[] = [];
    for (const dir of CORE) {
      for (const f of files(join(SRC, dir))) {
        for (const spec of importsOf(readFileSync(f, 'utf8'))) {
          if (/^(ink|react)(\/|$|-)/.test(spec) || /(^|\/)ui\//.test(spec)) offenders.push(`${relative(SRC, f)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
