import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keysMarkdown } from '../../src/ui/keymap.js';

describe('README', () => {
  it('lists exactly the keys of the keymap', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /<!-- keys:begin -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
    expect(m, 'README has a keys:begin/keys:end block').not.toBeNull();
    expect(m![1]).toBe(keysMarkdown());
  });
});
