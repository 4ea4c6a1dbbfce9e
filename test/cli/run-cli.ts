import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let emptyHome: string | undefined;

/**
 * An empty directory, made once per test process (removed when it exits), for HOME and
 * XDG_CONFIG_HOME: the CLI reads a settings file from $XDG_CONFIG_HOME/auditop/config.yaml, else
 * ~/.config/auditop/config.yaml (src/config-file.ts), and one left on the machine running the tests
 * would change what they see.
 */
export function emptyConfigHome(): string {
  if (emptyHome === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'auditop-test-home-'));
    emptyHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return emptyHome;
}

/**
 * The environment to run the CLI in: this process's, with HOME and XDG_CONFIG_HOME pointing at an
 * empty directory (so no settings file is found) unless `extra` sets them, plus `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = emptyConfigHome();
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: home, ...extra };
}

/** Run dist/cli.js to completion (stdout is a pipe, so --no-tui is the default). */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export function jsonLines(s: string): Record<string, unknown>[] {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
