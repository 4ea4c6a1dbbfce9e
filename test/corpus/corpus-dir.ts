import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(repo, 'dist', 'cli.js');

/**
 * `../shared/corpus` next to the checkout. A git worktree lives elsewhere than the main checkout, so
 * also look next to the main checkout (the parent of git's common dir); AUDITOP_CORPUS overrides both.
 */
export function findCorpus(): string {
  if (process.env.AUDITOP_CORPUS) return resolve(process.env.AUDITOP_CORPUS);
  const beside = join(repo, '..', 'shared', 'corpus');
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repo, encoding: 'utf8' }).trim();
    const main = join(dirname(common), '..', 'shared', 'corpus');
    if (existsSync(main)) return main;
  } catch {
    // not a git checkout (an unpacked tarball): only the sibling folder counts
  }
  return beside;
}
