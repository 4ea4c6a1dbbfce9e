import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigFileError, configFilePath, loadConfigFile, parseConfigFile } from '../../src/config-file.js';

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
    expect(err.reason).toBe('buffer must be a positive whole number of events');
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
