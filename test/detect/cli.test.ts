import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentEvents, interleave, scriptIncident } from '../../src/demo/incident.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { jsonLines, runCli } from '../cli/run-cli.js';

const START = Date.UTC(2026, 10, 21, 9, 0, 0);

function incidentLog(): { path: string; dir: string; steps: ReturnType<typeof scriptIncident> } {
  const dir = mkdtempSync(join(tmpdir(), 'auditop-detect-'));
  const steps = scriptIncident({ start: START + 60_000 });
  const lines: string[] = [];
  for (const e of interleave(generateTraffic({ seed: 3, start: START, eventsPerSecond: 100 }), incidentEvents(steps), 25_000)) lines.push(JSON.stringify(e));
  const path = join(dir, 'incident.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, dir, steps };
}

describe('auditop replay with detection', () => {
  it('--print alerts raises one alert per incident step, and --alerts-file holds the same lines', async () => {
    const { path, dir, steps } = incidentLog();
    const alertsFile = join(dir, 'alerts.jsonl');
    const r = await runCli(['replay', path, '--no-tui', '--print', 'alerts', '--speed', 'max', '--alerts-file', alertsFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = jsonLines(r.stdout);
    expect(printed.map((a) => a.rule)).toEqual(steps.map((s) => s.rule));
    expect(readFileSync(alertsFile, 'utf8')).toBe(r.stdout);
    expect(printed[3]).toMatchObject({ rule: 'exec-into-pod', severity: 'high', user: 'mallory@example.com', subresource: 'exec', namespace: 'prod', code: 101 });
  });

  it('--rules FILE applies overrides; a bad one exits 2 with file, line and reason', async () => {
    const { path, dir } = incidentLog();
    const good = join(dir, 'rules.yaml');
    writeFileSync(good, 'rules:\n  exec-into-pod: off\n  secret-read:\n    severity: critical\n');
    const r = await runCli(['replay', path, '--no-tui', '--print', 'alerts', '--rules', good]);
    expect(r.code).toBe(0);
    const alerts = jsonLines(r.stdout);
    expect(alerts.some((a) => a.rule === 'exec-into-pod')).toBe(false);
    expect(alerts.find((a) => a.rule === 'secret-read')?.severity).toBe('critical');

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  exec-into-pod: off\n  secret-reed: off\n');
    const b = await runCli(['replay', path, '--no-tui', '--rules', bad]);
    expect(b.code).toBe(2);
    expect(b.stdout).toBe('');
    expect(b.stderr).toBe(`auditop: ${bad}:3: unknown rule 'secret-reed' (did you mean 'secret-read'?)\n`);
  });
});
