import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROOT, runCli } from './run-cli.js';

const QUIET_DAY = join(ROOT, 'demo-logs', 'quiet-day.log');
const ARGS = ['replay', QUIET_DAY, '--print', 'summary'];

// A settings file left on the machine that runs the tests (here a broken one, so reading it shows:
// exit 2 with its path) must not change what the CLI tests see.
describe('runCli ignores the settings file of the machine running the tests', () => {
  let machine: string;
  beforeEach(() => {
    machine = mkdtempSync(join(tmpdir(), 'auditop-machine-home-'));
    mkdirSync(join(machine, '.config', 'auditop'), { recursive: true });
    writeFileSync(join(machine, '.config', 'auditop', 'config.yaml'), 'bufferBytes: 1k\n');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(machine, { recursive: true, force: true });
  });

  it('in ~/.config/auditop/config.yaml', async () => {
    vi.stubEnv('HOME', machine);
    vi.stubEnv('XDG_CONFIG_HOME', undefined);
    const r = await runCli(ARGS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(jsonEvents(r.stdout)).toBe(3000);
  });

  it('in $XDG_CONFIG_HOME/auditop/config.yaml', async () => {
    vi.stubEnv('XDG_CONFIG_HOME', join(machine, '.config'));
    const r = await runCli(ARGS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a test that points XDG_CONFIG_HOME at a settings file on purpose still gets it read', async () => {
    const r = await runCli(ARGS, { env: { XDG_CONFIG_HOME: join(machine, '.config') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(machine, '.config', 'auditop', 'config.yaml'));
  });
});

function jsonEvents(stdout: string): unknown {
  return (JSON.parse(stdout) as { events: unknown }).events;
}
