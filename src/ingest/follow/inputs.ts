import { open, stat } from 'node:fs/promises';
import { SourceError, sourceErrorFrom } from '../file-source.js';
import type { Source } from '../source.js';
import { openStdinSource } from '../stdin.js';
import type { FollowOptions } from './file-tail.js';
import { openFollowSource } from './follow-source.js';

export interface FollowInputOptions extends FollowOptions {
  /** tried in order when no FILE is given (SPEC §1): the first that exists is followed */
  defaultPaths: readonly string[];
  /** standard input, for `-` (tests pass their own) */
  stdin?: NodeJS.ReadableStream;
}

/**
 * The sources of follow mode: FILE arguments followed together (one merged source, each item tagged
 * with its file), `-` as standard input, and with no argument the first default path that exists.
 * Checks each FILE up front so an unreadable one fails at once (exit 1, with a sudo hint); a FILE
 * that does not exist yet is not an error: it is waited for.
 */
export async function openFollowInputs(paths: readonly string[], opts: FollowInputOptions): Promise<Source[]> {
  const { defaultPaths, stdin, ...follow } = opts;
  const picked = paths.length === 0 ? await pickDefault(defaultPaths) : undefined;
  const files = picked ? [picked.path] : paths.filter((p) => p !== '-');
  for (const p of files) await assertFollowable(p);
  const sources: Source[] = [];
  if (files.length > 0) {
    const s = openFollowSource(files, follow);
    sources.push(
      picked && !picked.exists
        ? withNotice(s, `none of the usual audit log paths exists (${defaultPaths.join(', ')}); give the log's path as FILE`)
        : s,
    );
  }
  if (paths.includes('-')) {
    sources.push(openStdinSource({ maxLineBytes: follow.maxLineBytes, ...(stdin ? { input: stdin } : {}) }));
  }
  return sources;
}

/**
 * The first default path that exists. One we may not read counts as existing (the audit directory
 * is 0700 root: stat says EACCES), so the operator hears "try sudo" rather than "waiting". When none
 * exists, the first is followed and waited for.
 */
async function pickDefault(candidates: readonly string[]): Promise<{ path: string; exists: boolean }> {
  for (const path of candidates) {
    try {
      await stat(path);
      return { path, exists: true };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EACCES' || code === 'EPERM') return { path, exists: true };
    }
  }
  const first = candidates[0];
  if (first === undefined) throw new SourceError('', 'ENOENT', 'no FILE given and no default audit log path configured');
  return { path: first, exists: false };
}

/** `source` with a notice in front (shown before anything the source says). */
function withNotice(source: Source, message: string): Source {
  return {
    name: source.name,
    async *items() {
      yield { kind: 'notice', source: source.name, message };
      yield* source.items();
    },
    close: () => source.close(),
  };
}

async function assertFollowable(path: string): Promise<void> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw new SourceError(path, 'EISDIR', `cannot follow ${path}: is a directory (to read the logs in it, use auditop replay ${path})`);
    }
    if (!st.isFile()) {
      throw new SourceError(path, 'ENOTFILE', `cannot follow ${path}: not a regular file (to read a pipe, use: auditop - < ${path})`);
    }
    await (await open(path, 'r')).close();
  } catch (err) {
    const code = (err as { code?: string }).code;
    // Not there yet: the follower waits for it and says so.
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw sourceErrorFrom(path, err);
  }
}
