import { describe, expect, it } from 'vitest';
import { fieldText, maxTypos, parseQuery, Searcher, Vocabulary, type SearchState } from '../../src/state/search.js';
import { parseFilter, isFilterError } from '../../src/model/filter.js';
import { FakeRing, ManualScheduler } from './fake-ring.js';

function setup(opts: { limit?: number; capacity?: number; sliceMs?: number } = {}) {
  const ring = new FakeRing(opts.capacity);
  const sched = new ManualScheduler();
  let clock = 0;
  const searcher = new Searcher(() => ring, {
    limit: opts.limit ?? 50,
    sliceMs: opts.sliceMs ?? 1_000_000,
    schedule: sched.schedule,
    // every clock read advances 1 ms: slices of sliceMs end after a predictable number of reads
    now: () => clock++,
  });
  const run = (q: string, view = parseFilter('')): { last: () => SearchState; updates: SearchState[] } => {
    const updates: SearchState[] = [];
    if (isFilterError(view)) throw view;
    searcher.search(q, (s) => updates.push(s), view);
    sched.drain();
    return { last: () => updates[updates.length - 1]!, updates };
  };
  return { ring, sched, searcher, run };
}

function fill(ring: FakeRing, n: number) {
  const users = ['system:kube-controller-manager', 'system:node:worker-1', 'alice@example.com', 'ci:deployer'];
  const verbs = ['get', 'list', 'update', 'watch'];
  for (let i = 0; i < n; i++) {
    ring.push({ user: users[i % users.length]!, verb: verbs[i % verbs.length]!, namespace: i % 2 ? 'kube-system' : 'prod', name: `obj-${i}` });
  }
}

describe('Searcher', () => {
  it('empty query lists the newest rows first', () => {
    const { ring, run } = setup({ limit: 10 });
    fill(ring, 100);
    const s = run('').last();
    expect(s.phase).toBe('done');
    expect(s.hits.map((h) => h.row.seq)).toEqual([99, 98, 97, 96, 95, 94, 93, 92, 91, 90]);
    expect(s.full).toBe(true);
  });

  it('free words match substrings of fields, newest first, with highlight ranges', () => {
    const { ring, run } = setup();
    fill(ring, 100);
    ring.push({ user: 'mallory@example.com', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-7c9d' });
    ring.push({ user: 'mallory@example.com', verb: 'get', resource: 'secrets', namespace: 'payments', name: 'db-creds' });
    const s = run('mallory').last();
    expect(s.hits.map((h) => [h.row.seq, h.kind])).toEqual([
      [101, 'field'],
      [100, 'field'],
    ]);
    expect(s.hits[0]!.highlights.user).toEqual([[0, 7]]);
    expect(s.full).toBe(false);
  });

  it('several words must all match (AND), case-insensitively', () => {
    const { ring, run } = setup();
    fill(ring, 40);
    const s = run('ALICE prod').last();
    expect(s.hits.length).toBe(10);
    for (const h of s.hits) {
      expect(h.row.ev.user).toBe('alice@example.com');
      expect(h.row.ev.namespace).toBe('prod');
    }
    expect(run('alice kube-system').last().hits).toEqual([]);
  });

  it('structured terms use the filter syntax and highlight their field', () => {
    const { ring, run } = setup();
    fill(ring, 40);
    const s = run('verb:update ns:prod').last();
    expect(s.hits.length).toBe(10);
    expect(s.hits.every((h) => h.row.ev.verb === 'update' && h.row.ev.namespace === 'prod')).toBe(true);
    expect(s.hits[0]!.highlights.verb).toEqual([[0, 6]]);
  });

  it('stops once the list is full', () => {
    const { ring, run } = setup({ limit: 5 });
    fill(ring, 10_000);
    const s = run('alice').last();
    expect(s.hits.length).toBe(5);
    expect(s.full).toBe(true);
    // 4 users in rotation: the 5 newest alice rows are within the newest ~20 rows
    expect(s.scanned).toBeLessThan(30);
  });

  it('finds names with a typo through the vocabulary (fuzzy), after exact matches', () => {
    const { ring, run } = setup();
    fill(ring, 200);
    ring.push({ user: 'mallory@example.com', verb: 'get', resource: 'secrets', name: 'db-creds' });
    const s = run('mallroy').last();
    expect(s.hits.length).toBe(1);
    expect(s.hits[0]!.kind).toBe('fuzzy');
    expect(s.hits[0]!.row.ev.user).toBe('mallory@example.com');
    expect(s.hits[0]!.highlights.user?.length).toBeGreaterThan(0);
  });

  it('does not fuzz unrelated words into matches', () => {
    const { ring, run } = setup();
    fill(ring, 200);
    expect(run('zebrafish').last().hits).toEqual([]);
  });

  it('finds a word that only appears in the raw JSON body, with a snippet', () => {
    const { ring, run } = setup();
    fill(ring, 50);
    const raw = JSON.stringify({ auditID: 'x', verb: 'create', requestObject: { spec: { containers: [{ image: 'evil.example/miner:1.0' }] } } });
    ring.push({ verb: 'create', resource: 'pods', raw, hasRequestObject: true });
    const s = run('miner').last();
    expect(s.hits.length).toBe(1);
    expect(s.hits[0]!.kind).toBe('raw');
    const snip = s.hits[0]!.snippet!;
    expect(snip.text).toContain('example/miner:1.0');
    expect(snip.cutStart).toBe(true);
    const [a, b] = snip.ranges[0]!;
    expect(snip.text.slice(a, b)).toBe('miner');
  });

  it('never matches or quotes a secret value from the raw JSON', () => {
    const { ring, run } = setup();
    fill(ring, 20);
    const raw = JSON.stringify({ auditID: 's', objectRef: { resource: 'secrets', name: 'db' }, responseObject: { data: { password: 'aHVudGVyMg==' }, metadata: { labels: { team: 'payments-core' } } } });
    ring.push({ resource: 'secrets', name: 'db', raw, hasResponseObject: true });
    expect(run('aHVudGVy').last().hits).toEqual([]);
    const s = run('payments-core').last();
    expect(s.hits.length).toBe(1);
    const snip = s.hits[0]!.snippet!.text;
    expect(snip).not.toContain('aHVudGVyMg==');
  });

  it('negated words and the active view filter exclude rows', () => {
    const { ring, run } = setup();
    fill(ring, 40);
    const s = run('user:system:* -worker').last();
    expect(s.hits.length).toBe(10);
    expect(s.hits.every((h) => h.row.ev.user === 'system:kube-controller-manager')).toBe(true);
    const view = parseFilter('ns:prod');
    const s2 = run('system', view).last();
    expect(s2.hits.length).toBeGreaterThan(0);
    expect(s2.hits.every((h) => h.row.ev.namespace === 'prod')).toBe(true);
  });

  it('runs in slices and a new query cancels the running one', () => {
    const { ring, sched, searcher } = setup({ sliceMs: 1, limit: 1000 });
    fill(ring, 5000);
    const a: SearchState[] = [];
    const b: SearchState[] = [];
    searcher.search('obj-', (s) => a.push(s));
    expect(sched.queue.length).toBe(1); // not finished in the first slice
    sched.step();
    const seenA = a.length;
    searcher.search('alice', (s) => b.push(s));
    sched.drain();
    expect(a.length).toBe(seenA); // the cancelled search reports nothing more
    expect(a.every((s) => s.phase !== 'done')).toBe(true);
    expect(b[b.length - 1]!.phase).toBe('done');
    expect(b[b.length - 1]!.hits.length).toBe(1000);
  });

  it('survives rows pushed and evicted between slices (no duplicates, no evicted rows)', () => {
    const { ring, sched, searcher } = setup({ sliceMs: 1, limit: 100_000, capacity: 3000 });
    fill(ring, 3000);
    const updates: SearchState[] = [];
    searcher.search('alice', (s) => updates.push(s));
    for (let k = 0; k < 50 && sched.queue.length; k++) {
      fill(ring, 100); // 100 new rows evict the 100 oldest
      sched.step();
    }
    sched.drain();
    const last = updates[updates.length - 1]!;
    const seqs = last.hits.map((h) => h.row.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeLessThan(seqs[i - 1]!);
  });

  it('finishes while rows keep arriving between every slice (typo lookup does not chase new rows)', () => {
    const { ring, sched, searcher } = setup({ sliceMs: 1, capacity: 5000 });
    fill(ring, 5000);
    ring.push({ user: 'mallory@example.com' });
    const updates: SearchState[] = [];
    searcher.search('mallroy', (s) => updates.push(s));
    let steps = 0;
    while (sched.queue.length && steps < 600) {
      fill(ring, 200);
      sched.step();
      steps++;
    }
    expect(updates[updates.length - 1]?.phase).toBe('done');
    expect(steps).toBeLessThan(500);
  });

  it('while typing, an unfinished term does not blank the list', () => {
    const { ring, run } = setup();
    fill(ring, 40);
    const s = run('alice verb:').last();
    expect(s.error?.reason).toMatch(/missing value/);
    expect(s.hits.length).toBe(10);
    const p = parseQuery('user:alice code:>=x');
    expect(p.error).toBeDefined();
    expect(p.filter.terms.map((t) => t.key)).toEqual(['user']);
  });

  it('highlights index the sanitised text when the log carries escape sequences', () => {
    const { ring, run } = setup();
    ring.push({ user: 'eve\u001b]0;pwned\u0007mallory', userAgent: '\u202Ecurl' });
    const s = run('mallory').last();
    const hit = s.hits[0]!;
    const text = fieldText(hit.row.ev, 'user');
    expect(text).toBe('evemallory');
    const [a, b] = hit.highlights.user![0]!;
    expect(text.slice(a, b)).toBe('mallory');
    expect(fieldText(hit.row.ev, 'userAgent')).toBe('curl');
  });
});

describe('Vocabulary', () => {
  it.each([42, 7, 99, 1234, 31337])('the q-gram prefilter keeps every value within the typo budget (random edits, seed %i)', (s0) => {
    let seed = s0;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const letters = 'abcdefghijklmnopqrstuvwxyz-';
    const ring = new FakeRing();
    const words: string[] = [];
    for (let i = 0; i < 300; i++) {
      const len = 4 + rnd(14);
      let w = '';
      for (let j = 0; j < len; j++) w += letters[rnd(letters.length)];
      words.push(w);
      ring.push({ name: `pre-${w}-suf` });
    }
    const v = new Vocabulary();
    v.update(ring);
    for (const w of words) {
      // apply up to maxTypos random single-character edits
      let q = w;
      for (let e = 0; e < maxTypos(w.length); e++) {
        const at = rnd(q.length);
        const op = rnd(3);
        const ch = letters[rnd(letters.length)]!;
        q = op === 0 ? q.slice(0, at) + ch + q.slice(at + 1) : op === 1 ? q.slice(0, at) + q.slice(at + 1) : q.slice(0, at) + ch + q.slice(at);
      }
      if (maxTypos(q.length) < maxTypos(w.length)) continue; // a deletion shortened it below the budget
      const cands: number[] = [];
      v.candidates(q, 0, Infinity, cands);
      const values = cands.map((i) => (v as unknown as { values: string[] }).values[i]);
      expect(values, `${w} → ${q}`).toContain(`pre-${w}-suf`);
    }
  });

  it('grows with new rows only and forgets evicted values when it outgrows its cap', () => {
    const ring = new FakeRing(70_000);
    for (let i = 0; i < 70_000; i++) ring.push({ name: `obj-${i}`, user: 'u', namespace: 'ns' });
    const v = new Vocabulary();
    expect(v.update(ring)).toBe(70_000);
    expect(v.update(ring)).toBe(0); // nothing new
    ring.push({ name: 'fresh-one' });
    expect(v.update(ring)).toBe(1);
    expect(v.size).toBeLessThanOrEqual(60_000);
    expect(v.containsSubstring('fresh-one')).toBe(true);
  });
});
