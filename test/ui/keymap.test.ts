import { describe, expect, it } from 'vitest';
import { KEYMAP, activeScopes, bindingFor, helpSections, hintsFor, keyBytes, keyFor, keyName, resolveCommand, type KeyContext } from '../../src/ui/keymap.js';

const main: KeyContext = { overlay: null, replay: false };
const noKey = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false,
};

describe('keymap', () => {
  it('binds every key at most once per scope', () => {
    const seen = new Set<string>();
    for (const b of KEYMAP) {
      for (const k of b.keys) {
        const id = `${b.scope} ${k}`;
        expect(seen.has(id), id).toBe(false);
        seen.add(id);
      }
    }
  });

  it('resolves the SPEC §4 keys in the main view', () => {
    expect(resolveCommand('q', main)).toBe('quit');
    expect(resolveCommand('ctrl+c', main)).toBe('quit');
    expect(resolveCommand('?', main)).toBe('help');
    expect(resolveCommand('/', main)).toBe('search');
    expect(resolveCommand('f', main)).toBe('filter');
    expect(resolveCommand('return', main)).toBe('inspect');
    expect(resolveCommand('space', main)).toBe('pause');
    expect(resolveCommand('tab', main)).toBe('nextPane');
    expect(resolveCommand('j', main)).toBe('down');
    expect(resolveCommand('up', main)).toBe('up');
    expect(resolveCommand('G', main)).toBe('last');
    expect(resolveCommand('g', main)).toBe('first');
    expect(resolveCommand('pagedown', main)).toBe('pageDown');
    expect(resolveCommand('3', main)).toBe('topDim');
  });

  it('maps replay speed keys only while replaying', () => {
    expect(resolveCommand('+', main)).toBeUndefined();
    expect(resolveCommand('+', { overlay: null, replay: true })).toBe('speedUp');
    expect(resolveCommand('-', { overlay: null, replay: true })).toBe('speedDown');
    expect(resolveCommand(']', { overlay: null, replay: true })).toBe('jump');
  });

  it('lets printable keys through as text while typing a search or filter, but ctrl+c still quits', () => {
    const search: KeyContext = { overlay: 'search', replay: false };
    expect(resolveCommand('q', search)).toBeUndefined();
    expect(resolveCommand('space', search)).toBeUndefined();
    expect(resolveCommand('ctrl+c', search)).toBe('quit');
    expect(resolveCommand('escape', search)).toBe('back');
    expect(resolveCommand('return', { overlay: 'filter', replay: false })).toBe('apply');
  });

  it('closes the help with ? or q rather than quitting', () => {
    const help: KeyContext = { overlay: 'help', replay: false };
    expect(resolveCommand('q', help)).toBe('back');
    expect(resolveCommand('?', help)).toBe('back');
    expect(resolveCommand('/', help)).toBeUndefined();
  });

  it('turns Ink key objects into key names', () => {
    expect(keyName('', { ...noKey, upArrow: true })).toBe('up');
    expect(keyName('', { ...noKey, tab: true, shift: true })).toBe('shift+tab');
    expect(keyName('c', { ...noKey, ctrl: true })).toBe('ctrl+c');
    expect(keyName(' ', noKey)).toBe('space');
    expect(keyName('G', { ...noKey, shift: true })).toBe('G');
  });

  it('gives the bytes a terminal sends for each key', () => {
    expect(keyBytes(keyFor('quit'))).toBe('q');
    expect(keyBytes('ctrl+c')).toBe('\x03');
    expect(keyBytes('return')).toBe('\r');
    expect(keyBytes('shift+tab')).toBe('\x1b[Z');
    expect(keyBytes(keyFor('pause'))).toBe(' ');
  });

  it('generates the hints line from the keymap and fits it to the width', () => {
    const h = hintsFor(main, 200);
    expect(h).toContain('/ search');
    expect(h).toContain('? help');
    expect(h).toContain('1-7 top');
    expect(h).toContain('q quit');
    expect(hintsFor(main, 30).length).toBeLessThanOrEqual(30);
    expect(hintsFor({ overlay: null, replay: true }, 300)).toContain('+ faster');
    expect(hintsFor({ overlay: 'inspector', replay: false }, 200)).toContain('r reveal');
    // the key shown is one that runs the command there: in the help q closes, while typing q is text
    expect(hintsFor({ overlay: 'help', replay: false }, 200)).toContain('^C quit');
    expect(hintsFor({ overlay: 'search', replay: false }, 200)).toContain('^C quit');
    expect(hintsFor({ overlay: 'search', replay: false }, 200)).not.toContain('q quit');
  });

  it('lists every binding in the help sections', () => {
    const rows = helpSections().flatMap((s) => s.rows);
    expect(rows.length).toBe(KEYMAP.length);
    expect(rows.some((r) => r.keys === '? ' || r.keys.startsWith('?'))).toBe(true);
  });

  it('finds bindings by command and scope', () => {
    expect(bindingFor('back', 'inspector').keys).toContain('escape');
    expect(() => bindingFor('apply', 'main')).toThrow();
    expect(activeScopes({ overlay: 'inspector', replay: true })).toEqual(['inspector', 'global']);
  });
});
