/**
 * `npm run bench [-- --only NAME[,NAME]] [--events N] [--list]`: runs the registered sections
 * (src/bench/sections.ts) and prints one JSON object of figures on stdout; progress goes to stderr.
 * Run it sparingly on a shared machine: the default 1M-event file is ~1.1 GB and takes a minute.
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { trafficFile } from './data.js';
import { SECTIONS, type BenchContext } from './sections.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { only: { type: 'string' }, events: { type: 'string' }, list: { type: 'boolean' } },
    strict: true,
  });
  if (values.list) {
    for (const s of SECTIONS) process.stdout.write(`${s.name.padEnd(16)} ${s.description}\n`);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')} (have: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const events = values.events === undefined ? 1_000_000 : Number(values.events);
  if (!Number.isSafeInteger(events) || events < 1000) {
    process.stderr.write('bench: --events must be a whole number ≥ 1000\n');
    return 2;
  }
  const log = (m: string): void => void process.stderr.write(`bench: ${m}\n`);
  const ctx: BenchContext = {
    events,
    cli: fileURLToPath(new URL('../cli.js', import.meta.url)),
    trafficFile: () => trafficFile(events, log),
    log,
    results: {},
  };
  const out: Record<string, unknown> = { node: process.version, cpus: cpus().length, events, sections: ctx.results };
  for (const s of SECTIONS) {
    if (only && !only.includes(s.name)) continue;
    log(`section ${s.name}`);
    try {
      ctx.results[s.name] = await s.run(ctx);
    } catch (err) {
      ctx.results[s.name] = { error: err instanceof Error ? err.message : String(err) };
    }
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
