import { afterEach, describe, expect, it } from 'vitest';
import { CliTerm } from '../../e2e/harness.js';
import { generateTraffic } from '../../../src/demo/traffic.js';
import { tempDir, writeLog } from './helpers.js';

/** Ten minutes of a quiet cluster (5 events/s), then an hour of silence, then one more minute. */
function writeSet(): string {
  const lines: string[] = [];
  const push = (start: number, seconds: number): void => {
    const it = generateTraffic({ seed: 5, start, eventsPerSecond: 5 });
    for (;;) {
      const ev = it.next().value as { stageTimestamp: string };
      if (Date.parse(ev.stageTimestamp) > start + seconds * 1000) return;
      lines.push(JSON.stringify(ev));
    }
  };
  push(Date.parse('2026-11-20T14:00:00Z'), 600);
  push(Date.parse('2026-11-20T15:10:00Z'), 60);
  const dir = tempDir();
  writeLog(dir, 'audit-2026-11-20T14-05-00.000.log.gz', lines.slice(0, 1_500));
  writeLog(dir, 'audit.log', lines.slice(1_500));
  return dir;
}

describe('replay on the screen', () => {
  let t: CliTerm | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  // a real replay of ~11 minutes of event time at 100-400x, in a pseudo-terminal
  it('shows clock, speed and progress; space, +, - and ] drive it; it ends with "replay finished"', { timeout: 40_000 }, async () => {
    const dir = writeSet();
    t = new CliTerm(['replay', dir, '--speed', '100'], { cols: 140, rows: 30 });
    await t.waitFor(/replay ×100 +14:0\d:\d\d/);
    t.press('pause');
    await t.waitFor(/replay PAUSED ×100/);
    t.press('jump', 'replay');
    const paused = await t.waitFor('jumped ahead 1m');
    expect(paused).toMatch(/PAUSED/);
    t.press('pause');
    await t.waitFor(/replay ×100 /);
    t.press('speedUp', 'replay');
    await t.waitFor(/replay ×200 /);
    t.press('speedUp', 'replay');
    await t.waitFor(/replay ×400 /);
    t.press('speedDown', 'replay');
    await t.waitFor(/replay ×200 /);
    // the hour of silence is shortened, and said so
    await t.waitFor(/skipped (59m \d+s|1h( \d+m)?) of silence/, { timeout: 20_000 });
    const end = await t.waitFor('replay finished', { timeout: 20_000 });
    expect(end).toMatch(/15:1\d:\d\d/);
    expect(end).toMatch(/100%/);
    // still browsable after the end, until q
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
  });
});
