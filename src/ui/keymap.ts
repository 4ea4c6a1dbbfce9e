/**
 * Every key binding of the screen, as data (k9s key actions, lazygit bindings): the `?` overlay,
 * the hints line, the README's key table and the tests (which press keys by command name) are all
 * generated from this one list, so a binding cannot be documented one way and behave another.
 */

/** Where a binding applies. Overlay scopes shadow the main ones while the overlay is open. */
export type Scope = 'global' | 'main' | 'list' | 'replay' | 'help' | 'search' | 'inspector' | 'filter';

export type CommandId =
  | 'quit'
  | 'help'
  | 'search'
  | 'filter'
  | 'inspect'
  | 'back'
  | 'pause'
  | 'nextPane'
  | 'prevPane'
  | 'zoom'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'first'
  | 'last'
  | 'topDim'
  | 'topWindow'
  | 'speedUp'
  | 'speedDown'
  | 'jump'
  | 'reveal'
  | 'copy'
  | 'apply';

/**
 * Canonical key names: a printable character as itself, or one of the named keys below,
 * optionally prefixed with `ctrl+` / `shift+` (only `shift+tab` is used).
 */
export type KeySpec = string;

export interface Binding {
  command: CommandId;
  scope: Scope;
  keys: KeySpec[];
  /** short word for the hints line */
  label: string;
  /** one line for the help overlay and the README */
  description: string;
  /** shown on the hints line when its scope is active */
  hint?: boolean;
  /** how the keys are written in hints/help when listing them one by one would be noisy ("1-7") */
  display?: string;
}

export const KEYMAP: readonly Binding[] = [
  { command: 'quit', scope: 'global', keys: ['q', 'ctrl+c'], label: 'quit', description: 'quit and restore the terminal', hint: true },
  { command: 'help', scope: 'main', keys: ['?'], label: 'help', description: 'show this help', hint: true },
  { command: 'search', scope: 'main', keys: ['/'], label: 'search', description: 'fuzzy-search the buffered events', hint: true },
  { command: 'filter', scope: 'main', keys: ['f'], label: 'filter', description: 'filter feed, alerts and counts (user:alice verb:delete ns:prod code:>=400)', hint: true },
  { command: 'inspect', scope: 'main', keys: ['return'], label: 'inspect', description: 'inspect the selected request or alert; on a top-N row, filter by it', hint: true },
  { command: 'pause', scope: 'main', keys: ['space'], label: 'pause', description: 'freeze the view while ingest goes on (replay: pause the replay)', hint: true },
  { command: 'nextPane', scope: 'main', keys: ['tab'], label: 'pane', description: 'focus the next pane (zoomed when the terminal is small)', hint: true },
  { command: 'prevPane', scope: 'main', keys: ['shift+tab'], label: 'prev pane', description: 'focus the previous pane' },
  { command: 'zoom', scope: 'main', keys: ['z'], label: 'zoom', description: 'zoom the focused pane to the whole screen and back' },
  { command: 'up', scope: 'list', keys: ['up', 'k'], label: 'up', description: 'move the selection up (the feed stops following)' },
  { command: 'down', scope: 'list', keys: ['down', 'j'], label: 'down', description: 'move the selection down' },
  { command: 'pageUp', scope: 'list', keys: ['pageup', 'ctrl+b'], label: 'page up', description: 'one page up' },
  { command: 'pageDown', scope: 'list', keys: ['pagedown', 'ctrl+f'], label: 'page down', description: 'one page down' },
  { command: 'first', scope: 'list', keys: ['g', 'home'], label: 'oldest', description: 'jump to the oldest buffered row' },
  { command: 'last', scope: 'list', keys: ['G', 'end'], label: 'follow', description: 'jump to the newest row and resume following', hint: true },
  { command: 'topDim', scope: 'main', keys: ['1', '2', '3', '4', '5', '6', '7'], display: '1-7', label: 'top', description: 'top-N by users, verbs, resources, namespaces, source IPs, user agents, codes', hint: true },
  { command: 'topWindow', scope: 'main', keys: ['w'], label: 'window', description: 'top-N window: 1m, 5m, 1h, all' },
  { command: 'speedUp', scope: 'replay', keys: ['+', '='], label: 'faster', description: 'replay: double the speed', hint: true },
  { command: 'speedDown', scope: 'replay', keys: ['-'], label: 'slower', description: 'replay: halve the speed', hint: true },
  { command: 'jump', scope: 'replay', keys: [']'], label: '+1m', description: 'replay: jump ahead one minute of event time', hint: true },
  { command: 'back', scope: 'help', keys: ['escape', '?', 'q'], label: 'close', description: 'close the help', hint: true },
  { command: 'up', scope: 'help', keys: ['up', 'k'], label: 'up', description: 'scroll up' },
  { command: 'down', scope: 'help', keys: ['down', 'j'], label: 'down', description: 'scroll down' },
  { command: 'apply', scope: 'search', keys: ['return'], label: 'open', description: 'open the selected match in the inspector', hint: true },
  { command: 'up', scope: 'search', keys: ['up', 'ctrl+p'], label: 'prev', description: 'previous match', hint: true },
  { command: 'down', scope: 'search', keys: ['down', 'ctrl+n'], label: 'next', description: 'next match', hint: true },
  { command: 'back', scope: 'search', keys: ['escape'], label: 'back', description: 'close the search', hint: true },
  { command: 'up', scope: 'inspector', keys: ['up', 'k'], label: 'up', description: 'scroll up' },
  { command: 'down', scope: 'inspector', keys: ['down', 'j'], label: 'down', description: 'scroll down', hint: true },
  { command: 'pageUp', scope: 'inspector', keys: ['pageup', 'ctrl+b'], label: 'page up', description: 'one page up' },
  { command: 'pageDown', scope: 'inspector', keys: ['pagedown', 'ctrl+f', 'space'], label: 'page', description: 'one page down', hint: true },
  { command: 'first', scope: 'inspector', keys: ['g', 'home'], label: 'top', description: 'to the top of the JSON' },
  { command: 'last', scope: 'inspector', keys: ['G', 'end'], label: 'end', description: 'to the end of the JSON' },
  { command: 'reveal', scope: 'inspector', keys: ['r'], label: 'reveal', description: 'reveal / hide redacted secrets and tokens', hint: true },
  { command: 'copy', scope: 'inspector', keys: ['y'], label: 'copy', description: 'copy the shown JSON to the clipboard (OSC 52)', hint: true },
  { command: 'back', scope: 'inspector', keys: ['escape'], label: 'back', description: 'close the inspector', hint: true },
  { command: 'apply', scope: 'filter', keys: ['return'], label: 'apply', description: 'apply the filter (empty clears it)', hint: true },
  { command: 'back', scope: 'filter', keys: ['escape'], label: 'cancel', description: 'close the prompt, keep the current filter', hint: true },
];

/** Scopes whose printable keys are text being typed, not commands. */
export const TEXT_SCOPES: ReadonlySet<Scope> = new Set(['search', 'filter']);

export const SCOPE_TITLES: Record<Scope, string> = {
  global: 'Everywhere',
  main: 'Main view',
  list: 'Feed, alerts and top-N lists (the focused pane)',
  replay: 'Replay',
  help: 'Help',
  search: 'Search (type to search)',
  inspector: 'Inspector',
  filter: 'Filter prompt (type an expression)',
};

/** Minimal shape of Ink's `Key` (kept structural so this file stays testable without Ink). */
export interface InkKeyLike {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageDown: boolean;
  pageUp: boolean;
  home?: boolean;
  end?: boolean;
  return: boolean;
  escape: boolean;
  ctrl: boolean;
  shift: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  meta: boolean;
}

/** Ink's (input, key) pair → canonical key name, or '' when it is not a key we name. */
export function keyName(input: string, key: InkKeyLike): KeySpec {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

/** What decides which bindings are live. */
export interface KeyContext {
  overlay: 'help' | 'search' | 'inspector' | 'filter' | null;
  replay: boolean;
}

export function activeScopes(ctx: KeyContext): Scope[] {
  if (ctx.overlay) return [ctx.overlay, 'global'];
  return ctx.replay ? ['main', 'list', 'replay', 'global'] : ['main', 'list', 'global'];
}

/** True when the key is a printable character (text for prompts). */
export function isPrintable(k: KeySpec): boolean {
  return k === 'space' || (k.length >= 1 && [...k].length === 1 && k >= ' ');
}

/** The command a key runs in a context, or undefined. Typing in a text scope wins over bindings. */
export function resolveCommand(k: KeySpec, ctx: KeyContext): CommandId | undefined {
  const scopes = activeScopes(ctx);
  const typing = ctx.overlay !== null && TEXT_SCOPES.has(ctx.overlay);
  for (const scope of scopes) {
    for (const b of KEYMAP) {
      if (b.scope !== scope || !b.keys.includes(k)) continue;
      // while typing, printable keys are text: `q` in a search query must not quit
      if (typing && isPrintable(k)) continue;
      return b.command;
    }
  }
  return undefined;
}

/** Bindings of one command in one scope (tests press keys by command name through this). */
export function bindingFor(command: CommandId, scope?: Scope): Binding {
  const b = KEYMAP.find((x) => x.command === command && (scope === undefined || x.scope === scope));
  if (!b) throw new Error(`no binding for ${command}${scope ? ` in ${scope}` : ''}`);
  return b;
}

/** The first key of a command: what a test presses. */
export function keyFor(command: CommandId, scope?: Scope): KeySpec {
  const k = bindingFor(command, scope).keys[0];
  if (k === undefined) throw new Error(`binding ${command} has no key`);
  return k;
}

const NAMED_BYTES: Record<string, string> = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  return: '\r',
  escape: '\x1b',
  tab: '\t',
  'shift+tab': '\x1b[Z',
  space: ' ',
  backspace: '\x7f',
};

/** Bytes a terminal sends for a key (what the end-to-end tests write into the pseudo-terminal). */
export function keyBytes(k: KeySpec): string {
  const named = NAMED_BYTES[k];
  if (named !== undefined) return named;
  if (k.startsWith('ctrl+') && k.length === 6) return String.fromCharCode(k.charCodeAt(5) & 0x1f);
  return k;
}

const UNICODE_KEY_NAMES: Record<string, string> = {
  up: '↑', down: '↓', left: '←', right: '→', return: '⏎', escape: 'Esc', tab: 'Tab', 'shift+tab': 'S-Tab',
  pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End', space: 'space', backspace: 'Bksp',
};
const ASCII_KEY_NAMES: Record<string, string> = {
  ...UNICODE_KEY_NAMES, up: 'Up', down: 'Down', left: 'Left', right: 'Right', return: 'Enter',
};

/** How a key is written on screen and in the README. */
export function displayKey(k: KeySpec, ascii = false): string {
  const names = ascii ? ASCII_KEY_NAMES : UNICODE_KEY_NAMES;
  const n = names[k];
  if (n !== undefined) return n;
  if (k.startsWith('ctrl+')) return `^${k.slice(5).toUpperCase()}`;
  return k;
}

export function displayKeys(b: Binding, ascii = false): string {
  return b.display ?? b.keys.map((k) => displayKey(k, ascii)).join(' ');
}

/** The hints line for a context: `key label` pairs of hinted bindings, as many as fit in `width`. */
export function hintsFor(ctx: KeyContext, width: number, ascii = false): string {
  const parts: string[] = [];
  const typing = ctx.overlay !== null && TEXT_SCOPES.has(ctx.overlay);
  for (const scope of activeScopes(ctx)) {
    for (const b of KEYMAP) {
      if (b.scope !== scope || !b.hint) continue;
      // show a key that really runs this command here: in the help `q` closes, while typing `q` is text
      const key = b.keys.find((k) => resolveCommand(k, ctx) === b.command && !(typing && isPrintable(k)));
      if (key === undefined) continue;
      const k = b.display ?? displayKey(key, ascii);
      parts.push(`${k} ${b.label}`);
    }
  }
  let out = '';
  for (const p of parts) {
    const next = out === '' ? ` ${p}` : `${out}  ${p}`;
    if (next.length > width) break;
    out = next;
  }
  return out;
}

/** Help overlay / README content: one section per scope, one line per binding. */
export function helpSections(ascii = false): { title: string; rows: { keys: string; description: string }[] }[] {
  const order: Scope[] = ['main', 'list', 'replay', 'search', 'inspector', 'filter', 'help', 'global'];
  return order
    .map((scope) => ({
      title: SCOPE_TITLES[scope],
      rows: KEYMAP.filter((b) => b.scope === scope).map((b) => ({ keys: displayKeys(b, ascii), description: b.description })),
    }))
    .filter((s) => s.rows.length > 0);
}

/** The README's key table (test/ui/readme.test.ts keeps the README in step with this). */
export function keysMarkdown(): string {
  const out: string[] = [];
  for (const s of helpSections(true)) {
    out.push(`**${s.title}**`, '', '| keys | what it does |', '|---|---|');
    for (const r of s.rows) out.push(`| ${r.keys.split(' ').map((k) => `\`${k === '|' ? '\\|' : k}\``).join(' ')} | ${r.description} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}
