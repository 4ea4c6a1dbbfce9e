/**
 * The `auditop` command: argv → Config → run(). Exit codes (SPEC §1): 0 normal end, 1 runtime
 * failure (one line on stderr), 2 usage error (one line plus a hint). Never a stack trace for a
 * user mistake; AUDITOP_DEBUG=1 adds the stack of an unexpected error. (cli.ts loads this module
 * once it has set V8's flags and perhaps started the decode worker.)
 */
import { readFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from './config.js';
import { ConfigFileError, loadConfigFile } from './config-file.js';
import { HELP_TEXT } from './help.js';
import { SourceError } from './ingest/file-source.js';
import { NotAvailableError, run } from './run.js';

// The single-file build (src/bundle/build.mjs) defines this: no package.json travels with that file.
declare const __AUDITOP_VERSION__: string | undefined;

function version(): string {
  if (typeof __AUDITOP_VERSION__ === 'string') return __AUDITOP_VERSION__;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Errors that carry a message meant for the operator and an exit code. */
function userFacing(err: unknown): { message: string; code: number; hint?: string } | undefined {
  if (err instanceof UsageError) return { message: err.message, code: 2, hint: err.hint };
  // A broken settings file: its message is file:line:col: reason, and fixing it is the user's move.
  if (err instanceof ConfigFileError) return { message: err.message, code: 2 };
  if (err instanceof SourceError || err instanceof NotAvailableError) return { message: err.message, code: 1 };
  // Rules-file errors (detection) carry file, line and reason in their message: a usage error.
  if (err instanceof Error && err.name === 'RulesFileError') return { message: err.message, code: 2 };
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const parsed = parseCommandLine(argv, {
      stdoutIsTTY: process.stdout.isTTY === true,
      env: process.env,
      now: Date.now(),
      loadSettings: (configFlag) => loadConfigFile(configFlag, process.env)?.settings ?? null,
    });
    if (parsed.kind === 'help') {
      process.stdout.write(HELP_TEXT);
      return 0;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`auditop ${version()}\n`);
      return 0;
    }
    return await run(parsed.config);
  } catch (err) {
    const u = userFacing(err);
    if (u) {
      process.stderr.write(`auditop: ${u.message}\n${u.hint ? `${u.hint}\n` : ''}`);
      return u.code;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`auditop: internal error: ${msg}\n`);
    if (process.env.AUDITOP_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
