import { afterEach, describe, expect, it } from 'vitest';
import { CliTerm, spawnCli } from './harness.js';

// The real CLI in a pseudo-terminal. The saved quiet-day log replayed at full speed gives every
// pane something to show without depending on timing.
const REPLAY = ['replay', 'demo-logs/quiet-day.log', '--speed', 'max'];

describe('the screen, end to end', () => {
  let t: CliTerm | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('fills the panes, opens help, and q restores the terminal', async () => {
    t = spawnCli(REPLAY, { cols: 120, rows: 40 });
    await t.waitFor((s) => s.includes('replay finished') && s.includes('Feed 2,'));
    const s = t.screen();
    expect(t.inAltScreen()).toBe(true);
    expect(s).toMatch(/Top users \(5m\)/);
    expect(s).toMatch(/system:node:worker-\d+/);
    expect(s).toContain('Alerts');
    expect(s).toContain('? help');
    expect(t.lines()[39]).toBe('');
    t.press('help');
    await t.waitFor('Help: keys');
    expect(t.screen()).toContain('fuzzy-search the buffered events');
    t.press('back', 'help');
    await t.waitFor((x) => !x.includes('Help: keys') && x.includes('Feed'));
    t.press('quit');
    const e = await t.waitExit();
    expect(e.exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
    expect(t.cursorHidden()).toBe(false);
  });

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'])('restores the terminal on %s', async (sig) => {
    t = spawnCli(REPLAY, { cols: 100, rows: 30 });
    await t.waitFor('Feed');
    t.kill(sig);
    const e = await t.waitExit();
    expect(e.exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
    expect(t.cursorHidden()).toBe(false);
  });

  it('Ctrl-C quits through the keymap (raw mode) and restores the terminal', async () => {
    t = spawnCli(REPLAY, { cols: 100, rows: 30 });
    await t.waitFor('Feed');
    t.write('\x03');
    expect((await t.waitExit()).exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
  });

  it('draws interactively when CI is set (Ink would otherwise draw only the last frame)', async () => {
    t = spawnCli(REPLAY, { cols: 100, rows: 30, env: { CI: 'true' } });
    await t.waitFor('replay finished');
    t.press('help');
    await t.waitFor('Help: keys');
    // q closes the help first (less habit), the second q quits
    t.press('quit');
    await t.waitFor((s) => !s.includes('Help: keys'));
    t.press('quit');
    await t.waitExit();
    expect(t.inAltScreen()).toBe(false);
  });

  it('stacks at 80x24, Tab moves the room, resizes live and says when the terminal is too small', async () => {
    t = spawnCli(REPLAY, { cols: 80, rows: 24 });
    await t.waitFor('replay finished');
    const rowOf = (name: string): number => t!.lines().findIndex((l) => l.includes(name));
    expect(rowOf('Alerts') - rowOf('Feed')).toBeGreaterThan(8);
    t.press('nextPane');
    await t.waitFor(() => rowOf('Top users') - rowOf('Alerts') > 8);
    t.resize(50, 12);
    await t.waitFor('terminal too small');
    t.resize(160, 48);
    await t.waitFor((s) => s.includes('Feed') && !s.includes('terminal too small'));
    // wide: feed and alerts side by side on one row
    expect(t.lines().some((l) => l.includes('Feed') && l.includes('Alerts'))).toBe(true);
    t.press('quit');
    await t.waitExit();
  });

  it('writes no colour with NO_COLOR and only ASCII with --ascii', async () => {
    t = spawnCli([...REPLAY, '--ascii'], { cols: 100, rows: 30, env: { NO_COLOR: '1' } });
    await t.waitFor('replay finished');
    expect(t.output).not.toMatch(/\x1b\[[0-9;]*3[0-7]m/);
    expect(t.screen()).not.toMatch(/[─│┌┐└┘█▁-▇…]/);
    expect(t.screen()).toContain('+-');
    t.press('quit');
    await t.waitExit();
  });

  it('draws ASCII by itself when the locale is not UTF-8', async () => {
    t = spawnCli(REPLAY, { cols: 100, rows: 30, env: { LANG: 'C', LC_ALL: 'C' } });
    await t.waitFor('replay finished');
    expect(t.screen()).not.toMatch(/[─│┌┐└┘█▁-▇…]/);
    t.press('quit');
    await t.waitExit();
  });

  it('writes nothing while nothing changes (a clock tick a second at most)', async () => {
    t = spawnCli(REPLAY, { cols: 120, rows: 40 });
    await t.waitFor('replay finished');
    const before = t.output.length;
    const t0 = Date.now();
    await t.waitFor(() => Date.now() - t0 > 2500, { timeout: 5000 });
    const written = t.output.length - before;
    // the clock updates one line a second: a few hundred bytes, never a frame
    expect(written).toBeLessThan(1200);
    t.press('quit');
    await t.waitExit();
  });
});
