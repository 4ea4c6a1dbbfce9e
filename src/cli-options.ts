/**
 * The command line's options, for node:util parseArgs: config.ts parses them into a Config, and
 * prestart.ts looks at them before the rest of the program is loaded. (Kept in a module of its own
 * so that the second needs nothing else.)
 */
export const OPTIONS = {
  'no-tui': { type: 'boolean' },
  print: { type: 'string' },
  'from-start': { type: 'boolean' },
  backfill: { type: 'string' },
  speed: { type: 'string' },
  rules: { type: 'string' },
  buffer: { type: 'string' },
  'buffer-bytes': { type: 'string' },
  filter: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'alerts-file': { type: 'string' },
  'no-color': { type: 'boolean' },
  ascii: { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
} as const;

/**
 * Whether a run draws the screen: not with --no-tui, not when stdout is not a terminal, and not with
 * --print (asking for its output implies --no-tui). config.ts decides with it, and prestart.ts guesses
 * with it from the command line alone (a full-speed replay is a headless one unless --speed says so).
 */
export function drawsScreen(noTui: boolean, stdoutIsTTY: boolean, print: string | undefined): boolean {
  return !noTui && stdoutIsTTY && print === undefined;
}

/** Replay on screen without --speed: 10× turns an hour-long change window into six minutes. */
export const DEFAULT_TUI_SPEED = 10;

/**
 * The replay speed when --speed is not given. config.ts applies it, and prestart.ts uses it to guess
 * whether a replay reads its file at full speed (only then through the decode worker).
 */
export function defaultSpeed(tui: boolean): number | 'max' {
  return tui ? DEFAULT_TUI_SPEED : 'max';
}
