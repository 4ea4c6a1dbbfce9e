import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliTerm, REPO_ROOT, spawnCli, tempDir } from './harness.js';

// The real CLI in a pseudo-terminal, reading a log made of a slice of the quiet-day demo log plus the
// events under test: a Secret read with its data in the response, and an event whose user name and
// user agent carry escape sequences (title change, clear screen, OSC 52 clipboard write, bidi override).

const SECRET = 'aHVudGVyMg==';
const ESC = '\u001b';
const BEL = '\u0007';

function event(p: Record<string, unknown>): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    stage: 'ResponseComplete',
    sourceIPs: ['203.0.113.66'],
    requestReceivedTimestamp: '2026-11-20T09:30:00.000000Z',
    stageTimestamp: '2026-11-20T09:30:00.004000Z',
    responseStatus: { metadata: {}, code: 200 },
    ...p,
  });
}

const secretRead = event({
  level: 'RequestResponse',
  auditID: 'e2e-secret-read',
  requestURI: '/api/v1/namespaces/payments/secrets/db-creds',
  verb: 'get',
  user: { username: 'mallory@example.com', groups: ['system:authenticated'] },
  userAgent: 'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7',
  objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-creds', apiVersion: 'v1' },
  responseObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db-creds', namespace: 'payments' }, data: { password: SECRET }, type: 'Opaque' },
});

// Every trick at once. JSON carries the controls as \u escapes; the bidi override travels raw.
const hostile = event({
  auditID: 'e2e-hostile',
  requestURI: '/api/v1/namespaces/prod/pods/api-1',
  verb: 'get',
  user: { username: `trudy${ESC}]0;pwned-title${BEL}${ESC}[2J${ESC}[H\u202Eevil`, groups: ['system:authenticated'] },
  userAgent: `curl/8.5${ESC}]52;c;ZXZpbC1jbGlwYm9hcmQ=${BEL}${ESC}]2;pwned-again${ESC}\\\u202Ereversed`,
  objectRef: { resource: 'pods', namespace: 'prod', name: 'api-1', apiVersion: 'v1' },
});

function writeLog(dir: string): string {
  const quiet = readFileSync(join(REPO_ROOT, 'demo-logs', 'quiet-day.log'), 'utf8').split('\n').slice(0, 600);
  const path = join(dir, 'audit.log');
  writeFileSync(path, [...quiet, secretRead, hostile, ''].join('\n'));
  return path;
}

describe('search and inspector, end to end', () => {
  let t: CliTerm | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
    cleanup?.();
    cleanup = undefined;
  });

  it('search finds an event, Enter shows its JSON with the secret redacted, r reveals it, y copies it', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    t = spawnCli(['replay', writeLog(tmp.dir), '--speed', 'max'], { cols: 120, rows: 40 });
    await t.waitFor('replay finished');
    t.press('search');
    await t.waitFor('Search');
    t.type('db-creds');
    await t.waitFor((x) => x.includes('/ db-creds') && /1 match/.test(x));
    expect(t.screen()).toMatch(/mallory@example\.com\s+get\s+secrets payments\/db-creds/);
    t.press('apply', 'search');
    await t.waitFor('Inspector');
    await t.waitFor('1 secret value redacted: r reveals');
    expect(t.screen()).toContain('"auditID": "e2e-secret-read"');
    // the Secret's data is at the end of the event: G goes there
    t.press('last', 'inspector');
    await t.waitFor('"password": "<redacted 12 chars>"');
    let s = t.screen();
    expect(s).not.toContain(SECRET);

    // y copies what is shown: the redacted JSON
    t.press('copy', 'inspector');
    await t.waitFor('to the clipboard (OSC 52), secrets redacted');
    expect(t.clipboard.length).toBe(1);
    const copied = JSON.parse(Buffer.from(t.clipboard[0]!.replace(/^c;/, ''), 'base64').toString('utf8'));
    expect(copied.responseObject.data.password).toBe('<redacted 12 chars>');
    expect(copied.auditID).toBe('e2e-secret-read');

    t.press('reveal', 'inspector');
    await t.waitFor(SECRET);
    s = t.screen();
    expect(s).toContain(`"password": "${SECRET}"`);
    expect(s).toContain('REVEALED');

    // Esc goes back to the results, Esc again to the main view
    t.press('back', 'inspector');
    await t.waitFor((x) => x.includes('/ db-creds') && !x.includes('Inspector'));
    t.press('back', 'search');
    await t.waitFor((x) => x.includes('Feed') && !x.includes('/ db-creds'));
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
  });

  it('escape sequences and bidi overrides in a user name and user agent leave the terminal untouched', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    t = spawnCli(['replay', writeLog(tmp.dir), '--speed', 'max'], { cols: 120, rows: 40 });
    await t.waitFor('replay finished');
    // the hostile request is the newest: its row is on screen, its text in order, without the payloads
    await t.waitFor('trudyevil');
    const titlesBefore = [...t.titles];

    // search for it and open its JSON: the payloads are shown as escapes, never executed
    t.press('search');
    await t.waitFor('Search');
    t.type('trudy');
    await t.waitFor((x) => x.includes('/ trudy') && /1 match/.test(x));
    t.press('apply', 'search');
    await t.waitFor('"auditID": "e2e-hostile"');
    const s = t.screen();
    expect(s).toContain('trudy\\u001b]0;pwned-title\\u0007\\u001b[2J\\u001b[H\\u202eevil');
    expect(s).toContain('\\u001b]52;c;ZXZpbC1jbGlwYm9hcmQ=\\u0007');

    // terminal state: no title set from the log, no clipboard write, no bell, screen intact
    expect(t.titles).toEqual(titlesBefore);
    expect(t.titles.join('\n')).not.toContain('pwned');
    expect(t.clipboard).toEqual([]);
    expect(t.bells).toBe(0);
    expect(t.lines()[0]).toMatch(/auditop/); // the status bar was not wiped by a clear screen
    expect(t.screen()).toContain('Inspector');
    // and the sequences themselves never reached the terminal (their text is shown escaped, inert)
    expect(t.output).not.toContain(`${ESC}]0;pwned`);
    expect(t.output).not.toContain(`${ESC}]2;pwned`);
    expect(t.output).not.toContain(`${ESC}]52;c;ZXZpbC1jbGlwYm9hcmQ=`);
    expect(t.output).not.toContain('\u202E');
    expect(t.output).not.toContain('\u009b');

    t.press('back', 'inspector');
    await t.waitFor((x) => x.includes('/ trudy') && !x.includes('Inspector'));
    t.press('back', 'search');
    await t.waitFor((x) => x.includes('Feed') && x.includes('trudyevil'));
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
    expect(t.inAltScreen()).toBe(false);
  });

  it('f filters the feed and counts; a bad expression is named, Esc keeps the filter', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    t = spawnCli(['replay', writeLog(tmp.dir), '--speed', 'max'], { cols: 120, rows: 40 });
    await t.waitFor('replay finished');
    t.press('filter');
    await t.waitFor('Filter');
    t.type('usr:mallory');
    await t.waitFor("unknown key 'usr'");
    for (let i = 0; i < 'usr:mallory'.length; i++) t.write('\x7f');
    t.type('user:mallory*');
    await t.waitFor((x) => x.includes('f> user:mallory*') && x.includes('Enter applies'));
    t.press('apply', 'filter');
    await t.waitFor((x) => /Feed 1\b/.test(x) && x.includes('mallory@example.com'));
    const s = t.screen();
    expect(s).not.toMatch(/system:node:worker-\d+\s+(get|patch|list|watch)/);
    // Esc closes the prompt and keeps the filter in force
    t.press('filter');
    await t.waitFor('in force: user:mallory*');
    t.press('back', 'filter');
    await t.waitFor((x) => !x.includes('in force:') && /Feed 1\b/.test(x));
    t.press('filter');
    await t.waitFor('in force: user:mallory*');
    for (let i = 0; i < 'user:mallory*'.length; i++) t.write('\x7f');
    await t.waitFor((x) => /f> \s/.test(x) && x.includes('Enter applies'));
    t.press('apply', 'filter');
    // cleared: every request is back
    await t.waitFor((x) => Number((/Feed ([\d,]+)/.exec(x)?.[1] ?? '0').replace(/,/g, '')) > 400 && x.includes('system:node:wor'));
    t.press('quit');
    expect((await t.waitExit()).exitCode).toBe(0);
  });
});
