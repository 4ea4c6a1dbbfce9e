// Settings an operator keeps between runs, read from $XDG_CONFIG_HOME/auditop/config.yaml
// (default ~/.config/auditop/config.yaml). Command-line flags always win over the file; the file only
// fills in what the command line left unset.
//
// A mistake in the file is reported like a compiler error, `file:line:col: reason`, because the
// operator has to open the file and fix it: a bare "invalid config" at 3 a.m. is useless.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { MAX_BUFFER_EVENTS, MIN_BUFFER_BYTES, parseSize } from './config.js';
import type { RulesConfig } from './detect/rules-config.js';

/** What the file may set. Every field is optional: absent means "not set here". */
export interface FileSettings {
  /** --rules: absolute path (a relative path in the file is relative to the file's directory). */
  rules?: string;
  /** Namespaces (or `*` patterns) where deletes raise alerts, added to the built-in list. */
  protectedNamespaces?: string[];
  /** Source CIDRs mutating requests are expected from; others raise alerts. */
  allowedCidrs?: string[];
  /** false = never colour (like --no-color); true = the default (colour on a TTY unless NO_COLOR). */
  color?: boolean;
  /** true = ASCII borders and glyphs (like --ascii). */
  ascii?: boolean;
  /** --buffer: ring capacity in events. */
  buffer?: number;
  /** --buffer-bytes: ring capacity in bytes of raw JSON. */
  bufferBytes?: number;
}

export interface LoadedConfigFile {
  path: string;
  settings: FileSettings;
}

/** A broken config file: where, and why. `message` is `file:line:col: reason`. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}:${column}: ${reason}` : `${file}: ${reason}`);
  }
}

/**
 * Where the config file lives. XDG says a relative $XDG_CONFIG_HOME is invalid and must be ignored.
 * Under `sudo` HOME is usually root's, so this is root's file; `--config` picks another.
 */
export function configFilePath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? xdg : join(home, '.config');
  return join(base, 'auditop', 'config.yaml');
}

/**
 * Read the config file. `explicitPath` (from --config) must exist; the default path may be absent,
 * which is the common case and yields null. Throws ConfigFileError for anything wrong with the file.
 */
export function loadConfigFile(
  explicitPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): LoadedConfigFile | null {
  const path = explicitPath !== undefined ? resolve(explicitPath) : configFilePath(env, home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitPath === undefined) return null;
    const reason =
      code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory, not a file'
      : (err as Error).message;
    throw new ConfigFileError(path, 0, 0, reason);
  }
  return { path, settings: parseConfigFile(text, path, home) };
}

// The accepted keys and how each is checked. Kubernetes-style camelCase, like the flags' meaning.
const KEYS = ['rules', 'protectedNamespaces', 'allowedCidrs', 'color', 'ascii', 'buffer', 'bufferBytes'] as const;
type Key = (typeof KEYS)[number];

/** Parse the text of a config file named `file` (used in messages and to resolve relative paths). */
export function parseConfigFile(text: string, file: string, home: string = homedir()): FileSettings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (node: YamlNode | null | undefined, reason: string): ConfigFileError => {
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return new ConfigFileError(file, pos.line, pos.col, reason);
  };

  const first = doc.errors[0];
  if (first !== undefined) {
    let offset = first.pos[0];
    // An unclosed quote or bracket is only noticed at the end of the file, which is not where the
    // operator should look: point at the setting whose value swallowed the rest of the file instead.
    if (text.slice(offset).trim() === '' && isMap(doc.contents)) {
      const opened = doc.contents.items
        .map((pair) => pair.value as YamlNode | null)
        .filter((v): v is YamlNode => v?.range !== undefined && v.range !== null && v.range[0] <= offset)
        .at(-1);
      if (opened?.range) offset = opened.range[0];
    }
    const pos = lineCounter.linePos(offset);
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new ConfigFileError(file, pos.line, pos.col, reason);
  }

  const settings: FileSettings = {};
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return settings; // empty or comments only
  if (!isMap(root)) throw at(root, 'expected a mapping of settings (key: value), e.g. "rules: ./rules.yaml"');

  for (const pair of root.items) {
    const keyNode = pair.key as YamlNode | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const value = pair.value as YamlNode | null;
    if (!(KEYS as readonly string[]).includes(key)) {
      const hint = suggestKey(key);
      throw at(keyNode, `unknown setting "${key}"${hint ? `; did you mean "${hint}"?` : ''} (known: ${KEYS.join(', ')})`);
    }
    switch (key as Key) {
      case 'rules': {
        const p = expectString(value, 'rules', at);
        settings.rules = resolvePath(p, dirname(file), home);
        break;
      }
      case 'protectedNamespaces':
        settings.protectedNamespaces = expectStringList(value, 'protectedNamespaces', at, (s, node) => {
          // A DNS-1123 label (what Kubernetes accepts as a namespace name), where `*` may stand for any
          // run of characters, like the detector's other lists ("prod-*").
          if (!/^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$/.test(s)) {
            throw at(node, `"${s}" is not a namespace name or pattern (lowercase letters, digits, '-', '*')`);
          }
        });
        break;
      case 'allowedCidrs':
        settings.allowedCidrs = expectStringList(value, 'allowedCidrs', at, (s, node) => {
          if (!isCidr(s)) throw at(node, `"${s}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
        });
        break;
      case 'color':
        settings.color = expectBoolean(value, 'color', at);
        break;
      case 'ascii':
        settings.ascii = expectBoolean(value, 'ascii', at);
        break;
      case 'buffer': {
        const n = isScalar(value) ? value.value : undefined;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_BUFFER_EVENTS) {
          throw at(value, `buffer must be a whole number of events from 1 to ${MAX_BUFFER_EVENTS}`);
        }
        settings.buffer = n;
        break;
      }
      case 'bufferBytes': {
        const raw = isScalar(value) ? value.value : undefined;
        let n = NaN;
        try {
          // The same reading as --buffer-bytes, so the file and the flag accept the same sizes.
          if (typeof raw === 'number' || typeof raw === 'string') n = parseSize('bufferBytes', String(raw));
        } catch {
          // reported below with the file position
        }
        if (!(n >= MIN_BUFFER_BYTES)) throw at(value, 'bufferBytes must be a size of at least 1M, like 64M or 1G');
        settings.bufferBytes = n;
        break;
      }
    }
  }
  return settings;
}

type At = (node: YamlNode | null | undefined, reason: string) => ConfigFileError;

function expectString(node: YamlNode | null, key: string, at: At): string {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') throw at(node, `${key} must be a non-empty string`);
  return node.value;
}

// YAML 1.2 reads yes/no/on/off as strings; operators used to YAML 1.1 (Ansible) write them anyway.
const WORD_BOOLEANS: Record<string, boolean> = { yes: true, on: true, no: false, off: false };

function expectBoolean(node: YamlNode | null, key: string, at: At): boolean {
  if (isScalar(node)) {
    if (typeof node.value === 'boolean') return node.value;
    const word = typeof node.value === 'string' ? WORD_BOOLEANS[node.value.toLowerCase()] : undefined;
    if (word !== undefined) return word;
  }
  throw at(node, `${key} must be true or false`);
}

function expectStringList(node: YamlNode | null, key: string, at: At, check: (s: string, node: YamlNode) => void): string[] {
  if (!isSeq(node)) throw at(node, `${key} must be a list, e.g. ${key}: [a, b]`);
  const out: string[] = [];
  for (const item of node.items) {
    const itemNode = item as YamlNode;
    if (!isScalar(itemNode) || typeof itemNode.value !== 'string') throw at(itemNode, `${key} items must be strings`);
    check(itemNode.value, itemNode);
    out.push(itemNode.value);
  }
  return out;
}

function resolvePath(p: string, base: string, home: string): string {
  // Operators write ~/rules.yaml out of habit; the shell does not expand it inside YAML.
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  return resolve(base, p);
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

// Typos and other spellings (snake_case, kebab-case, "colour") map to the accepted key.
function suggestKey(key: string): string | undefined {
  const norm = (k: string): string => k.toLowerCase().replace(/[-_ ]/g, '').replace('colour', 'color');
  const n = norm(key);
  return KEYS.find((k) => norm(k) === n || norm(k) === `${n}s` || `${norm(k)}s` === n);
}

/**
 * The detector's rules config with the settings file's lists added: protectedNamespaces to the list of
 * the same name, allowedCidrs to sourceIPAllowlist. They add to whatever the rules file did (add,
 * remove or replace), so a rules file that replaces a list still gets the operator's entries.
 */
export function withSettingsLists(rules: RulesConfig, settings: { protectedNamespaces: string[]; allowedCidrs: string[] }): RulesConfig {
  const lists = { ...rules.lists };
  const add = (name: 'protectedNamespaces' | 'sourceIPAllowlist', xs: string[]): void => {
    if (xs.length === 0) return;
    const edit = lists[name] ?? {};
    lists[name] = edit.replace ? { ...edit, replace: [...edit.replace, ...xs] } : { ...edit, add: [...(edit.add ?? []), ...xs] };
  };
  add('protectedNamespaces', settings.protectedNamespaces);
  add('sourceIPAllowlist', settings.allowedCidrs);
  return { ...rules, lists };
}
