import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigFileError, configFilePath, loadConfigFile, parseConfigFile, withSettingsLists, type FileSettings } from '../../src/config-file.js';
import { DEFAULT_BUFFER_EVENTS, parseCommandLine, type ConfigEnv } from '../../src/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'auditop-config-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): ConfigFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigFileError) return err;
    throw err;
  }
  throw new Error('expected a ConfigFileError');
}

describe('config file location', () => {
  it('uses $XDG_CONFIG_HOME when it is an absolute path', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/etc/xdg-home' }, '/home/op')).toBe('/etc/xdg-home/auditop/config.yaml');
  });
  it('falls back to ~/.config when XDG_CONFIG_HOME is unset, empty or relative (XDG says ignore it)', () => {
    expect(configFilePath({}, '/home/op')).toBe('/home/op/.config/auditop/config.yaml');
    expect(configFilePath({ XDG_CONFIG_HOME: '' }, '/home/op')).toBe('/home/op/.config/auditop/config.yaml');
    expect(configFilePath({ XDG_CONFIG_HOME: 'cfg' }, '/home/op')).toBe('/home/op/.config/auditop/config.yaml');
  });
});

describe('loading', () => {
  it('a missing default file is not an error: nothing is set', () => {
    expect(loadConfigFile(undefined, { XDG_CONFIG_HOME: dir }, dir)).toBeNull();
  });

  it('reads every setting from the default location', () => {
    mkdirSync(join(dir, 'auditop'));
    writeFileSync(
      join(dir, 'auditop', 'config.yaml'),
      [
        '# kept between runs',
        'rules: rules.yaml',
        'protectedNamespaces: [prod, payments, team-*]',
        'allowedCidrs:',
        '  - 10.0.0.0/8',
        '  - 192.0.2.7',
        '  - fd00::/8',
        'color: no',
        'ascii: true',
        'buffer: 50000',
        'bufferBytes: 64M',
      ].join('\n'),
    );
    const loaded = loadConfigFile(undefined, { XDG_CONFIG_HOME: dir }, '/home/op');
    expect(loaded?.path).toBe(join(dir, 'auditop', 'config.yaml'));
    expect(loaded?.settings).toEqual({
      // relative to the config file, not to wherever auditop was started
      rules: join(dir, 'auditop', 'rules.yaml'),
      protectedNamespaces: ['prod', 'payments', 'team-*'],
      allowedCidrs: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'],
      color: false,
      ascii: true,
      buffer: 50000,
      bufferBytes: 64 * 1024 * 1024,
    });
  });

  it('expands ~ in the rules path and keeps absolute paths', () => {
    expect(parseConfigFile('rules: ~/r.yaml', '/etc/a/config.yaml', '/home/op').rules).toBe('/home/op/r.yaml');
    expect(parseConfigFile('rules: /srv/r.yaml', '/etc/a/config.yaml', '/home/op').rules).toBe('/srv/r.yaml');
  });

  it('an empty file or one with only comments sets nothing', () => {
    expect(parseConfigFile('', 'c.yaml')).toEqual({});
    expect(parseConfigFile('# nothing yet\n', 'c.yaml')).toEqual({});
  });

  it('an explicitly named file (--config) must exist', () => {
    const err = errorOf(() => loadConfigFile(join(dir, 'nope.yaml')));
    expect(err.message).toBe(`${join(dir, 'nope.yaml')}: no such file`);
  });
});

describe('a broken file is reported with file, line and reason', () => {
  const file = '/home/op/.config/auditop/config.yaml';

  it('YAML syntax error', () => {
    const err = errorOf(() => parseConfigFile('color: true\nrules: "unterminated\n', file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(new RegExp(`^${file}:2:\\d+: `));
  });

  it('tab indentation points at the offending line', () => {
    const err = errorOf(() => parseConfigFile('ascii: true\n\tcolor: true\n', file));
    expect(err.line).toBe(2);
    expect(err.reason).toMatch(/tab/i);
  });

  it('duplicate key', () => {
    const err = errorOf(() => parseConfigFile('color: true\ncolor: false\n', file));
    expect(err.line).toBe(2);
    expect(err.reason).toMatch(/unique/i);
  });

  it('unknown key, with the likely intended one', () => {
    const err = errorOf(() => parseConfigFile('color: true\nprotected_namespaces: [prod]\n', file));
    expect(err.message).toMatch(
      new RegExp(`^${file}:2:1: unknown setting "protected_namespaces"; did you mean "protectedNamespaces"\\?`),
    );
  });

  it('wrong type points at the value', () => {
    const err = errorOf(() => parseConfigFile('buffer: lots\n', file));
    expect([err.line, err.column]).toEqual([1, 9]);
    expect(err.reason).toBe('buffer must be a whole number of events from 1 to 10000000');
    expect(errorOf(() => parseConfigFile('bufferBytes: 512k\n', file)).reason).toMatch(/at least 1M/);
    expect(errorOf(() => parseConfigFile('protectedNamespaces: prod\n', file)).reason).toMatch(/must be a list/);
    expect(errorOf(() => parseConfigFile('color: maybe\n', file)).reason).toBe('color must be true or false');
  });

  it('a bad list item points at that item', () => {
    const err = errorOf(() => parseConfigFile('allowedCidrs:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n', file));
    expect([err.line, err.column]).toEqual([3, 5]);
    expect(err.reason).toMatch(/"10\.0\.0\.0\/33" is not an IP address or CIDR/);
    expect(errorOf(() => parseConfigFile('protectedNamespaces: [prod, Bad_NS]\n', file)).reason).toMatch(
      /"Bad_NS" is not a namespace name or pattern/,
    );
  });

  it('a top level that is not a mapping', () => {
    const err = errorOf(() => parseConfigFile('- rules: x\n', file));
    expect(err.line).toBe(1);
    expect(err.reason).toMatch(/expected a mapping/);
  });

  it('an unreadable file says why', () => {
    mkdirSync(join(dir, 'auditop', 'config.yaml'), { recursive: true });
    const err = errorOf(() => loadConfigFile(undefined, { XDG_CONFIG_HOME: dir }, dir));
    expect(err.message).toBe(`${join(dir, 'auditop', 'config.yaml')}: is a directory, not a file`);
  });
});

describe('precedence: command-line flags win over the file, the file over built-in defaults', () => {
  const cenv = (settings: FileSettings | null, seen: (string | undefined)[] = []): ConfigEnv => ({
    stdoutIsTTY: true,
    env: { LANG: 'C.UTF-8' },
    now: 0,
    loadSettings: (flag) => {
      seen.push(flag);
      return settings;
    },
  });
  const run = (argv: string[], env: ConfigEnv) => {
    const parsed = parseCommandLine(argv, env);
    if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
    return parsed.config;
  };
  const file: FileSettings = {
    rules: '/etc/auditop/rules.yaml',
    protectedNamespaces: ['payments'],
    allowedCidrs: ['10.0.0.0/8'],
    color: false,
    ascii: true,
    buffer: 5000,
    bufferBytes: 64 * 1024 * 1024,
  };

  it('the file fills in what the command line left unset', () => {
    const c = run(['replay', 'a.log'], cenv(file));
    expect(c).toMatchObject({
      rulesFile: '/etc/auditop/rules.yaml',
      protectedNamespaces: ['payments'],
      allowedCidrs: ['10.0.0.0/8'],
      color: false,
      ascii: true,
      bufferEvents: 5000,
      bufferBytes: 64 * 1024 * 1024,
    });
  });

  it('flags given on the command line win', () => {
    const c = run(['replay', 'a.log', '--rules', 'mine.yaml', '--buffer', '7000', '--buffer-bytes', '1G'], cenv(file));
    expect(c.rulesFile).toBe('mine.yaml');
    expect(c.bufferEvents).toBe(7000);
    expect(c.bufferBytes).toBe(1024 ** 3);
  });

  it('without a file the built-in defaults apply', () => {
    const c = run(['replay', 'a.log'], cenv(null));
    expect(c).toMatchObject({ rulesFile: undefined, protectedNamespaces: [], allowedCidrs: [], color: true, ascii: false, bufferEvents: DEFAULT_BUFFER_EVENTS });
  });

  it('--config names the file to read', () => {
    const seen: (string | undefined)[] = [];
    run(['--config', '/home/op/auditop.yaml', 'replay', 'a.log'], cenv(null, seen));
    run(['replay', 'a.log'], cenv(null, seen));
    expect(seen).toEqual(['/home/op/auditop.yaml', undefined]);
  });

  it('--help and --version work even when the file is broken', () => {
    const broken: ConfigEnv = { ...cenv(null), loadSettings: () => { throw new ConfigFileError('c.yaml', 1, 1, 'bad'); } };
    expect(parseCommandLine(['--help'], broken).kind).toBe('help');
    expect(parseCommandLine(['--version'], broken).kind).toBe('version');
    expect(() => parseCommandLine(['replay', 'a.log'], broken)).toThrow(ConfigFileError);
  });
});

describe('the auditop command and its settings file', () => {
  // dist/cli.js is built by `npm test`'s pretest (tsc).
  const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const FIXTURE = fileURLToPath(new URL('./fixtures/smoke.log', import.meta.url));
  const runCli = (args: string[], xdg: string) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: xdg } });

  it('a broken file stops the run with exit 2 and file:line:col: reason', () => {
    mkdirSync(join(dir, 'auditop'));
    writeFileSync(join(dir, 'auditop', 'config.yaml'), 'color: false\nallowedCidrs: [10.0.0.0/8, nope]\n');
    const r = runCli(['replay', FIXTURE, '--no-tui', '--print', 'summary'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`auditop: ${join(dir, 'auditop', 'config.yaml')}:2:28: "nope" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)\n`);
    expect(r.stdout).toBe('');
  });

  it('a good file is used, and --config picks another one', () => {
    mkdirSync(join(dir, 'auditop'));
    writeFileSync(join(dir, 'auditop', 'config.yaml'), 'bufferBytes: 1k\n'); // invalid: proves it is read
    writeFileSync(join(dir, 'other.yaml'), 'buffer: 10\n');
    expect(runCli(['replay', FIXTURE, '--no-tui', '--print', 'summary'], dir).status).toBe(2);
    const r = runCli(['--config', join(dir, 'other.yaml'), 'replay', FIXTURE, '--no-tui', '--print', 'summary'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ events: 4, malformed: 1 });
  });
});

describe("the file's lists reach the detector", () => {
  it('add to the rules file edits, or to its replacement list', () => {
    const settings = { protectedNamespaces: ['payments'], allowedCidrs: ['198.51.100.0/24'] };
    expect(withSettingsLists({}, settings).lists).toEqual({
      protectedNamespaces: { add: ['payments'] },
      sourceIPAllowlist: { add: ['198.51.100.0/24'] },
    });
    const rules = { lists: { protectedNamespaces: { replace: ['prod'] }, sourceIPAllowlist: { add: ['10.1.0.0/16'], remove: ['0.0.0.0/0'] } } };
    expect(withSettingsLists(rules, settings).lists).toEqual({
      protectedNamespaces: { replace: ['prod', 'payments'] },
      sourceIPAllowlist: { add: ['10.1.0.0/16', '198.51.100.0/24'], remove: ['0.0.0.0/0'] },
    });
    expect(withSettingsLists(rules, { protectedNamespaces: [], allowedCidrs: [] })).toEqual(rules);
  });

  it('allowedCidrs silences the outside-the-allowlist alert for that network', () => {
    const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
    const FIXTURE = fileURLToPath(new URL('./fixtures/smoke.log', import.meta.url));
    const rules = (): string[] => {
      const r = spawnSync(process.execPath, [CLI, 'replay', FIXTURE, '--no-tui', '--print', 'alerts'], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CONFIG_HOME: dir },
      });
      expect(r.status).toBe(0);
      return r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule);
    };
    // mallory writes from 203.0.113.66 (TEST-NET-3): outside the default allowlist
    expect(rules()).toContain('untrusted-source-ip');
    mkdirSync(join(dir, 'auditop'));
    writeFileSync(join(dir, 'auditop', 'config.yaml'), 'allowedCidrs: [203.0.113.0/24]\n');
    expect(rules()).not.toContain('untrusted-source-ip');
  });
});
