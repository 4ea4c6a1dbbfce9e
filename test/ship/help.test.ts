import { describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../src/help.js';

// Operators read --help on an 80-column SSH session, looking for the command they need.
describe('--help', () => {
  const lines = HELP_TEXT.split('\n');

  it('fits in 80 columns', () => {
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
  });

  it('shows the common invocations as commands to copy', () => {
    const commands = lines.map((l) => l.trim()).filter((l) => /^(sudo |ssh )?auditop\b|\| auditop -$/.test(l));
    // follow the default path: no arguments at all
    expect(commands).toContain('sudo auditop');
    // follow several files
    expect(commands.some((c) => /^sudo auditop( \/\S+\.log){2,}$/.test(c))).toBe(true);
    // replay a directory at 100x
    expect(commands.some((c) => /^auditop replay \S+\/ --speed 100$/.test(c))).toBe(true);
    // headless alerts into a file
    expect(commands.some((c) => /--no-tui/.test(c) && (/--print alerts > \S+/.test(c) || /--alerts-file \S+/.test(c)))).toBe(true);
  });

  it('names the settings file and the option to pick another', () => {
    expect(HELP_TEXT).toMatch(/--config FILE/);
    expect(HELP_TEXT).toMatch(/~\/\.config\/auditop\/config\.yaml/);
  });
});
