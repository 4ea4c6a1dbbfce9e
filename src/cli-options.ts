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
