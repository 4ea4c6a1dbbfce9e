import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTtyKeys } from '../../src/ui/tty-keys.js';
import { CLI, CliTerm, REPO_ROOT, spawnCli } from './harness.js';

// `cat file | auditop -` on a terminal: the data comes from the pipe, the keys from /dev/tty.
describe('auditop - (stdin) with the screen', () => {
  let t: CliTerm | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('shows the piped events and takes its keys from the terminal', async () => {
    const log = join(REPO_ROOT, 'demo-logs', 'quiet-day.log');
    // a shell pipeline inside the pty, as a user types it
    const script = `require('node:child_process').execSync(${JSON.stringify(`cat '${log}' | '${process.execPath}' '${CLI}' -`)}, { stdio: 'inherit' })`;
    t = spawnCli(['-e', script], { cols: 120, rows: 40, execArgvOnly: true });
    await t.waitFor(/Feed [\d,]+/, { timeout: 20_000 });
    await t.waitFor('stdin', { timeout: 10_000 });
    t.press('help');
    await t.waitFor('Help: keys');
    t.press('back', 'help');
    await t.waitFor((s) => !s.includes('Help: keys'));
    t.press('quit');
    const exit = await t.waitExit();
    expect(exit.exitCode).toBe(0);
    expect(t.output).not.toContain('Raw mode is not supported');
  });

  it('openTtyKeys: null when there is no terminal to read keys from', () => {
    expect(openTtyKeys('/nonexistent/tty')).toBeNull();
    expect(openTtyKeys('/dev/null')).toBeNull();
  });
});
