#!/usr/bin/env node
// CI check that a single-file build draws the full screen in a real terminal and quits cleanly:
//
//   node src/bundle/tui-smoke.mjs --expect REGEX [--expect REGEX …] [--cols 100 --rows 30] -- CMD ARG…
//
// CMD runs in a pseudo-terminal (node-pty) with the environment this script was given (so CI can pass
// PATH with only node on it), the screen is read back through @xterm/headless, and each REGEX must
// appear on it; then `q` is pressed and the process must exit 0. Polls, no fixed sleeps: the deadline
// only bounds a hang.
import { parseArgs } from 'node:util';
import xterm from '@xterm/headless';
import pty from 'node-pty';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    expect: { type: 'string', multiple: true, default: [] },
    cols: { type: 'string', default: '100' },
    rows: { type: 'string', default: '30' },
    // Generous for a 2-core machine shared with other jobs; a healthy start takes well under a second.
    timeout: { type: 'string', default: '20000' },
  },
});
const [cmd, ...args] = positionals;
if (cmd === undefined || values.expect.length === 0) {
  process.stderr.write('usage: tui-smoke.mjs --expect REGEX … -- CMD ARG…\n');
  process.exit(2);
}
const cols = Number(values.cols);
const rows = Number(values.rows);
const deadline = Date.now() + Number(values.timeout);

const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
const env = { ...process.env, TERM: 'xterm-256color' };
// Ink prints only the last frame when it believes it runs in CI.
delete env.CI;
const child = pty.spawn(cmd, args, { name: 'xterm-256color', cols, rows, cwd: process.cwd(), env });
let exitCode = null;
child.onData((d) => term.write(d));
child.onExit((e) => {
  exitCode = e.exitCode;
});

const screen = () => {
  const buf = term.buffer.active;
  const lines = [];
  for (let i = 0; i < rows; i++) lines.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
  return lines.join('\n');
};
const tick = () => new Promise((r) => setTimeout(r, 50));
const fail = (why) => {
  process.stderr.write(`tui-smoke: ${why}\n--- screen ---\n${screen()}\n--------------\n`);
  if (exitCode === null) child.kill();
  process.exit(1);
};

const patterns = values.expect.map((e) => new RegExp(e));
while (!patterns.every((p) => p.test(screen()))) {
  if (exitCode !== null) fail(`exited with ${exitCode} before drawing the screen`);
  if (Date.now() > deadline) fail(`screen never showed ${patterns.filter((p) => !p.test(screen())).join(', ')}`);
  await tick();
}
child.write('q');
while (exitCode === null) {
  if (Date.now() > deadline) fail('did not exit after q');
  await tick();
}
if (exitCode !== 0) fail(`exit code ${exitCode} after q`);
process.stdout.write(`tui-smoke: ${cmd} ${args.join(' ')}: screen drawn, quit cleanly\n`);
