import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliTerm, REPO_ROOT, spawnCli, tempDir } from './harness.js';

// The harness itself, against a tiny program instead of the CLI, so a broken harness is told apart
// from a broken screen.
describe('e2e harness', () => {
  let t: CliTerm | undefined;
  afterEach(async () => {
    await t?.dispose();
  });

  it('reads the screen, alternate-screen state, cursor visibility, titles and clipboard writes', async () => {
    const script = [
      "process.stdout.write('\\x1b[?1049h\\x1b[?25lhello from pty\\x1b]0;evil\\x07\\x1b]52;c;aGk=\\x07');",
      "process.stdin.setRawMode(true); process.stdin.once('data', (d) => { process.stdout.write('got ' + JSON.stringify(String(d)) + '\\x1b[?25h\\x1b[?1049l'); setTimeout(() => process.exit(3), 50); });",
    ].join('\n');
    t = new CliTerm(['-e', script], { cols: 60, rows: 10, execArgvOnly: true });
    await t.waitFor('hello from pty');
    expect(t.inAltScreen()).toBe(true);
    expect(t.cursorHidden()).toBe(true);
    expect(t.titles).toEqual(['evil']);
    expect(t.clipboard).toEqual(['c;aGk=']);
    t.press('quit');
    const e = await t.waitExit();
    expect(e.exitCode).toBe(3);
    expect(t.inAltScreen()).toBe(false);
    expect(t.cursorHidden()).toBe(false);
    expect(t.output).toContain('got "q"');
  });

  it("runs the CLI without the machine's settings file", async () => {
    // a broken settings file in the home of whoever runs the tests: read, it would stop the CLI (exit 2)
    const machine = tempDir('auditop-machine-home-');
    try {
      mkdirSync(join(machine.dir, '.config', 'auditop'), { recursive: true });
      writeFileSync(join(machine.dir, '.config', 'auditop', 'config.yaml'), 'bufferBytes: 1k\n');
      vi.stubEnv('HOME', machine.dir);
      vi.stubEnv('XDG_CONFIG_HOME', join(machine.dir, '.config'));
      t = spawnCli(['replay', join(REPO_ROOT, 'demo-logs', 'quiet-day.log'), '--no-tui', '--print', 'summary'], { cols: 120, rows: 10 });
      const e = await t.waitExit();
      expect(t.output).not.toContain('config.yaml');
      expect(t.output).toContain('"events":3000');
      expect(e.exitCode).toBe(0);
    } finally {
      vi.unstubAllEnvs();
      machine.cleanup();
    }
  });
});
