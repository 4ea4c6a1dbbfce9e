/**
 * End-to-end harness: runs the real CLI (`node dist/cli.js`, built by `npm test`'s pretest) in a
 * pseudo-terminal (node-pty) and feeds everything it writes into a headless xterm, so tests read
 * the screen a user would see. Keys are pressed by command name through the keymap, and tests
 * poll the screen for what should appear (no fixed sleeps).
 *
 * Shared by the screen's e2e tests and search/inspector/hostile-input tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import { keyBytes, keyFor, type CommandId, type Scope } from '../../src/ui/keymap.js';
import { emptyConfigHome } from '../cli/run-cli.js';

const { Terminal } = xtermHeadless;

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'cli.js');

export interface SpawnOptions {
  cols?: number;
  rows?: number;
  /**
   * added to a clean environment (TERM=xterm-256color, LANG=C.UTF-8; CI and NO_COLOR as the test says;
   * HOME and XDG_CONFIG_HOME an empty directory, so no settings file on the machine is read)
   */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** run `node ...args` instead of `node dist/cli.js ...args` (the harness's own test) */
  execArgvOnly?: boolean;
}

export interface WaitOptions {
  /** ms before failing with the current screen in the message */
  timeout?: number;
}

export type ScreenPredicate = string | RegExp | ((screen: string, term: CliTerm) => boolean);

export class CliTerm {
  readonly term: InstanceType<typeof Terminal>;
  readonly proc: pty.IPty;
  /** every byte the program wrote, in order */
  output = '';
  /** window titles the program managed to set (a hostile log line must not add any) */
  readonly titles: string[] = [];
  /** OSC 52 clipboard writes seen (payloads) */
  readonly clipboard: string[] = [];
  bells = 0;
  exit: { exitCode: number; signal?: number } | null = null;
  readonly exited: Promise<{ exitCode: number; signal?: number }>;
  private pendingWrites: Promise<void> = Promise.resolve();

  constructor(args: string[], opts: SpawnOptions = {}) {
    const cols = opts.cols ?? 120;
    const rows = opts.rows ?? 40;
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
    this.term.onTitleChange((t) => this.titles.push(t));
    this.term.onBell(() => this.bells++);
    this.term.parser.registerOscHandler(52, (data) => {
      this.clipboard.push(data);
      return true;
    });
    const env: Record<string, string> = {};
    const home = emptyConfigHome();
    const base = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...opts.env };
    for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
    this.proc = pty.spawn(process.execPath, opts.execArgvOnly ? args : [CLI, ...args], { name: 'xterm-256color', cols, rows, cwd: opts.cwd ?? REPO_ROOT, env });
    this.proc.onData((d) => {
      this.output += d;
      // xterm parses asynchronously; screen reads wait for the queued writes
      this.pendingWrites = this.pendingWrites.then(() => new Promise<void>((res) => this.term.write(d, res)));
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit((e) => {
        this.exit = e;
        resolve(e);
      });
    });
  }

  /** Wait until xterm has parsed everything received so far. */
  async settle(): Promise<void> {
    let p: Promise<void>;
    do {
      p = this.pendingWrites;
      await p;
    } while (p !== this.pendingWrites);
  }

  /** The visible screen, one line per row, trailing spaces trimmed. */
  lines(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  screen(): string {
    return this.lines().join('\n');
  }

  /** The alternate screen is active (entered before the first frame; left on every exit path). */
  inAltScreen(): boolean {
    return this.term.buffer.active.type === 'alternate';
  }

  /** Whether the last cursor-visibility sequence written hid the cursor. */
  cursorHidden(): boolean {
    return this.output.lastIndexOf('\x1b[?25l') > this.output.lastIndexOf('\x1b[?25h');
  }

  write(data: string): void {
    this.proc.write(data);
  }

  /** Press the first key bound to a command (tests name commands, not keys). */
  press(command: CommandId, scope?: Scope): void {
    this.proc.write(keyBytes(keyFor(command, scope)));
  }

  /** Type text into a prompt (search, filter), one write per character like a person typing. */
  type(text: string): void {
    for (const ch of text) this.proc.write(ch);
  }

  resize(cols: number, rows: number): void {
    this.proc.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  /** Poll the screen until the predicate holds; fail with the screen in the message. */
  async waitFor(pred: ScreenPredicate, opts: WaitOptions = {}): Promise<string> {
    const timeout = opts.timeout ?? 10_000;
    const test =
      typeof pred === 'string'
        ? (s: string) => s.includes(pred)
        : pred instanceof RegExp
          ? (s: string) => pred.test(s)
          : (s: string) => pred(s, this);
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.settle();
      const s = this.screen();
      if (test(s)) return s;
      if (this.exit) throw new Error(`process exited (${JSON.stringify(this.exit)}) before ${String(pred)} appeared; screen:\n${s}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${String(pred)}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Wait for the process to exit (and xterm to parse its last bytes). */
  async waitExit(timeout = 10_000): Promise<{ exitCode: number; signal?: number }> {
    const t = new Promise<never>((_, rej) => {
      const h = setTimeout(() => rej(new Error(`did not exit within ${timeout} ms; screen:\n${this.screen()}`)), timeout);
      h.unref();
    });
    const e = await Promise.race([this.exited, t]);
    await this.settle();
    return e;
  }

  kill(signal = 'SIGTERM'): void {
    try {
      this.proc.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Kill if still running (afterEach). */
  async dispose(): Promise<void> {
    if (!this.exit) {
      this.kill('SIGKILL');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.term.dispose();
  }
}

export function spawnCli(args: string[], opts: SpawnOptions = {}): CliTerm {
  return new CliTerm(args, opts);
}

/** A fresh temp dir for a test's log files; remove it with the returned function. */
export function tempDir(prefix = 'auditop-e2e-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
