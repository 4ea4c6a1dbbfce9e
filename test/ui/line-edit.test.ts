import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/model/sanitize.js';
import { chunkHasEnter, editLine, lineAtEnd, renderLine, type Line } from '../../src/ui/line-edit.js';
import { makeTheme } from '../../src/ui/theme.js';

const plain = makeTheme({ color: false, ascii: false });
const color = makeTheme({ color: true, ascii: false });
const at = (text: string, cursor: number): Line => ({ text, cursor });
const keys = (l: Line, ...ks: [string, string?][]): Line => ks.reduce((x, [k, input]) => editLine(x, k, input ?? k) ?? x, l);

describe('editLine', () => {
  it('types, deletes and moves like readline', () => {
    expect(keys(lineAtEnd('ab'), ['c'])).toEqual(at('abc', 3));
    expect(keys(lineAtEnd('abc'), ['backspace', ''])).toEqual(at('ab', 2));
    expect(keys(lineAtEnd('user:bob'), ['home', ''], ['right', ''], ['x'])).toEqual(at('uxser:bob', 2));
    expect(keys(lineAtEnd('usr:bob'), ['ctrl+a', ''], ['right', ''], ['right', ''], ['e'])).toEqual(at('user:bob', 3));
    expect(keys(at('abc', 1), ['ctrl+d', ''])).toEqual(at('ac', 1));
    expect(keys(at('abc', 1), ['ctrl+k', ''])).toEqual(at('a', 1));
    expect(keys(at('abc', 2), ['ctrl+u', ''])).toEqual(at('c', 0));
    expect(keys(lineAtEnd('user:a ns:b'), ['ctrl+w', ''])).toEqual(at('user:a ', 7));
    expect(keys(lineAtEnd('a'), ['end', ''], ['left', ''], ['left', ''])).toEqual(at('a', 0));
    expect(editLine(lineAtEnd('a'), 'up', '')).toBeUndefined();
  });

  it('moves over emoji as one character', () => {
    expect(keys(lineAtEnd('a🚀'), ['left', ''])).toEqual(at('a🚀', 1));
    expect(keys(lineAtEnd('a🚀'), ['backspace', ''])).toEqual(at('a', 1));
  });

  it('never lets control or bidi characters into the line', () => {
    expect(keys(lineAtEnd(''), ['\u202e'], ['x'])).toEqual(at('x', 1));
    expect(editLine(lineAtEnd(''), '', 'a\u001b]0;t\u0007b')).toEqual(at('ab', 2));
  });

  it('applies keys that arrive in one chunk, and stops at Enter', () => {
    expect(editLine(lineAtEnd('usr:bob'), '', '\x7f\x7f\x7f\x7f\x7f\x7f\x7fuser:bob')).toEqual(at('user:bob', 8));
    expect(editLine(lineAtEnd(''), '', 'verb:get\rmore')).toEqual(at('verb:get', 8));
    expect(chunkHasEnter('verb:get\r')).toBe(true);
    expect(chunkHasEnter('\r')).toBe(false);
    expect(editLine(lineAtEnd('a'), '', '[1;5C')).toBeUndefined();
    expect(editLine(lineAtEnd(''), '', '[Opaque]')).toEqual(at('[Opaque]', 8));
  });
});

describe('renderLine', () => {
  it('draws the cursor and fills exactly the width', () => {
    expect(renderLine(at('abc', 3), 6, plain)).toBe('abc_  ');
    expect(renderLine(at('abc', 1), 6, plain)).toBe('abc   ');
    const c = renderLine(at('abc', 1), 6, color);
    expect(c).toContain('\u001b[7mb');
    expect(displayWidth(c)).toBe(6);
  });

  it('scrolls a long line so the cursor stays in view, with ellipses', () => {
    const long = 'x'.repeat(50) + 'CURSOR' + 'y'.repeat(50);
    const r = renderLine(at(long, 50), 20, plain);
    expect(displayWidth(r)).toBe(20);
    expect(r).toContain('CURSOR'.slice(0, 3));
    expect(r.startsWith('…')).toBe(true);
    expect(r.endsWith('…')).toBe(true);
    expect(displayWidth(renderLine(lineAtEnd('日本語'.repeat(20)), 15, plain))).toBeLessThanOrEqual(15);
  });

  it('marks a column (the position of a mistake)', () => {
    const r = renderLine(at('usr:bob', 7), 12, color, { at: 0, tone: 'sev-critical' });
    expect(r.startsWith('\u001b[1;97;41mu')).toBe(true);
  });
});
