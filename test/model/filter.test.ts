import { describe, expect, it } from 'vitest';
import { FilterError, isFilterError, matches, parseFilter, type Filter } from '../../src/model/filter.js';
import { makeEvent } from './make-event.js';

function f(expr: string): Filter {
  const r = parseFilter(expr);
  if (isFilterError(r)) throw new Error(`unexpected error: ${r.message}`);
  return r;
}

function err(expr: string): FilterError {
  const r = parseFilter(expr);
  if (!isFilterError(r)) throw new Error(`expected an error for ${expr}`);
  return r;
}

const alice = makeEvent();
const bobDelete = makeEvent({ user: 'bob', verb: 'delete', namespace: 'prod', code: 403, resource: 'secrets', name: 'db' });
const node = makeEvent({ user: 'system:node:worker-1', verb: 'patch', resource: 'nodes', subresource: 'status', namespace: '', name: 'worker-1', sourceIP: '192.168.1.20' });
const exec = makeEvent({ user: 'mallory@example.com', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', code: 101, latencyMs: 4200 });

describe('parseFilter / matches', () => {
  it('the SPEC example: all terms must hold, commas are alternatives', () => {
    const flt = f('user:bob verb:delete,patch ns:prod code:>=400');
    expect(matches(flt, bobDelete)).toBe(true);
    expect(matches(flt, alice)).toBe(false);
    expect(matches(flt, { ...bobDelete, code: 200 })).toBe(false);
    expect(matches(flt, { ...bobDelete, verb: 'patch' })).toBe(true);
    expect(matches(flt, { ...bobDelete, verb: 'get' })).toBe(false);
  });

  it('empty expression matches everything', () => {
    const flt = f('   ');
    expect(flt.empty).toBe(true);
    expect(matches(flt, alice)).toBe(true);
  });

  it('identifier keys match whole values, case-insensitively', () => {
    expect(matches(f('user:ali'), alice)).toBe(false); // not a substring match
    expect(matches(f('user:ALICE@example.com'), alice)).toBe(true);
    expect(matches(f('user:alice*'), alice)).toBe(true);
    expect(matches(f('verb:GET'), alice)).toBe(true);
  });

  it('user: takes the short names people use (email local part, last segment of a colon name)', () => {
    expect(matches(f('user:alice'), alice)).toBe(true);
    expect(matches(f('user:Alice'), alice)).toBe(true);
    expect(matches(f('user:example.com'), alice)).toBe(false);
    const sa = makeEvent({ user: 'system:serviceaccount:ci:deployer' });
    expect(matches(f('user:deployer'), sa)).toBe(true);
    expect(matches(f('user:ci'), sa)).toBe(false);
    expect(matches(f('user:worker-1'), node)).toBe(true);
    expect(matches(f('user:worker'), node)).toBe(false);
    expect(matches(f('as:bob'), makeEvent({ impersonatedUser: 'bob@example.com' }))).toBe(true);
  });

  it('globs: prefix with colons in the value', () => {
    const flt = f('user:system:node:*');
    expect(matches(flt, node)).toBe(true);
    expect(matches(flt, alice)).toBe(false);
    expect(matches(f('name:*-1'), node)).toBe(true);
  });

  it('negation with - or !', () => {
    expect(matches(f('-user:system:node:*'), node)).toBe(false);
    expect(matches(f('!user:system:node:*'), alice)).toBe(true);
    expect(matches(f('-verb:get,list'), alice)).toBe(false);
    expect(matches(f('-verb:get,list'), bobDelete)).toBe(true);
  });

  it('resource and resource/subresource', () => {
    expect(matches(f('res:pods/exec'), exec)).toBe(true);
    expect(matches(f('res:pods/exec'), alice)).toBe(false);
    expect(matches(f('resource:pods'), exec)).toBe(true);
    expect(matches(f('res:pods/*'), exec)).toBe(true);
    expect(matches(f('sub:status'), node)).toBe(true);
  });

  it('namespace "" means cluster-scoped', () => {
    expect(matches(f('ns:""'), node)).toBe(true);
    expect(matches(f('ns:""'), alice)).toBe(false);
    expect(matches(f('namespace:prod'), exec)).toBe(true);
  });

  it('code: exact, comparisons, classes and ranges', () => {
    expect(matches(f('code:403'), bobDelete)).toBe(true);
    expect(matches(f('code:=403'), bobDelete)).toBe(true);
    expect(matches(f('code:4xx'), bobDelete)).toBe(true);
    expect(matches(f('code:4xx'), alice)).toBe(false);
    expect(matches(f('code:400-499'), bobDelete)).toBe(true);
    expect(matches(f('code:<300'), alice)).toBe(true);
    expect(matches(f('code:<=200'), alice)).toBe(true);
    expect(matches(f('code:>200'), alice)).toBe(false);
    expect(matches(f('code:401,403'), bobDelete)).toBe(true);
  });

  it('latency with units; unknown latency never matches', () => {
    expect(matches(f('latency:>2s'), exec)).toBe(true);
    expect(matches(f('latency:>=5000ms'), exec)).toBe(false);
    expect(matches(f('lat:<1m'), exec)).toBe(true);
    expect(matches(f('latency:>0'), { ...alice, latencyMs: -1 })).toBe(false);
  });

  it('ip: exact, glob, IPv4 and IPv6 CIDR', () => {
    expect(matches(f('ip:10.0.0.5'), alice)).toBe(true);
    expect(matches(f('ip:10.0.*'), alice)).toBe(true);
    expect(matches(f('ip:10.0.0.0/8'), alice)).toBe(true);
    expect(matches(f('ip:10.0.0.0/30'), alice)).toBe(false);
    expect(matches(f('ip:10.0.0.4/30'), alice)).toBe(true);
    expect(matches(f('ip:192.168.0.0/16'), alice)).toBe(false);
    const v6 = makeEvent({ sourceIP: '2001:db8::1' });
    expect(matches(f('ip:2001:db8::/32'), v6)).toBe(true);
    expect(matches(f('ip:2001:db9::/32'), v6)).toBe(false);
    expect(matches(f('ip:::ffff:10.0.0.0/104'), makeEvent({ sourceIP: '::ffff:10.1.2.3' }))).toBe(true);
    expect(matches(f('ip:0.0.0.0/0'), alice)).toBe(true);
  });

  it('ua and uri match substrings', () => {
    expect(matches(f('ua:kubectl'), alice)).toBe(true);
    expect(matches(f('ua:KUBECTL/v1.29'), alice)).toBe(true);
    expect(matches(f('ua:curl'), alice)).toBe(false);
    expect(matches(f('uri:/pods/'), alice)).toBe(true);
  });

  it('groups, stage, level, apigroup, decision, id', () => {
    expect(matches(f('group:system:authenticated'), alice)).toBe(true);
    expect(matches(f('group:system:masters'), alice)).toBe(false);
    expect(matches(f('stage:responsecomplete'), alice)).toBe(true);
    expect(matches(f('level:Metadata'), alice)).toBe(true);
    expect(matches(f('api:""'), alice)).toBe(true);
    expect(matches(f('decision:forbid'), alice)).toBe(false);
    expect(matches(f('id:id-*'), alice)).toBe(true);
  });

  it('free words match anywhere, including colon words that are not keys', () => {
    expect(matches(f('worker'), node)).toBe(true);
    expect(matches(f('system:node'), node)).toBe(true);
    expect(matches(f('system:node'), alice)).toBe(false);
    expect(matches(f('prod secrets'), bobDelete)).toBe(true);
    expect(matches(f('prod -secrets'), bobDelete)).toBe(false);
    expect(matches(f('"user:bob"'), bobDelete)).toBe(false); // quoted: a literal word, not a key
    expect(f('prod Secrets').words).toEqual(['prod', 'secrets']);
  });

  it('quoted values may hold spaces and commas', () => {
    const ev = makeEvent({ name: 'a b,c' });
    expect(matches(f('name:"a b,c"'), ev)).toBe(true);
    expect(matches(f('name:"a b"'), ev)).toBe(false);
  });

  it('alert: and rule: select requests by their alerts, given what is known of them', () => {
    const hi = { severity: 'high', rules: new Set(['exec-into-pod']) };
    expect(matches(f('alert:*'), alice, hi)).toBe(true);
    expect(matches(f('alert:*'), alice)).toBe(false); // nothing known: no alert
    expect(matches(f('alert:none'), alice)).toBe(true);
    expect(matches(f('alert:high'), alice, hi)).toBe(true);
    expect(matches(f('alert:>=medium'), alice, hi)).toBe(true);
    expect(matches(f('alert:critical'), alice, hi)).toBe(false);
    expect(matches(f('sev:<high'), alice, hi)).toBe(false);
    expect(matches(f('rule:exec-*'), alice, hi)).toBe(true);
    expect(matches(f('rule:secret-read'), alice, hi)).toBe(false);
    expect(matches(f('-rule:exec-into-pod user:alice'), alice, hi)).toBe(false);
    expect(f('rule:x').needsContext).toBe(true);
    expect(f('user:x').needsContext).toBe(false);
    expect(err('alert:severe').reason).toMatch(/not a severity/);
  });

  it('errors carry a position and a reason', () => {
    const e1 = err('verb:get usr:alice');
    expect(e1.position).toBe(9);
    expect(e1.reason).toMatch(/unknown key 'usr'.*user/);
    const e2 = err('code:>=abc');
    expect(e2.position).toBe(5);
    expect(e2.reason).toMatch(/not a status code/);
    expect(err('ns:').reason).toMatch(/missing value/);
    expect(err('verb:get,').position).toBe(9);
    expect(err('name:"open').reason).toMatch(/unterminated quote/);
    expect(err(':x').reason).toMatch(/missing key/);
    expect(err('ip:10.0.0.0/33').reason).toMatch(/prefix length/);
    expect(err('ip:10.0.0/8').reason).toMatch(/not an IP/);
    expect(err('latency:>fast').reason).toMatch(/duration/);
    expect(err('code:1-x').reason).toMatch(/range/);
    expect(err('-nmespace:prod').position).toBe(1);
  });

  it('term positions are reported for highlighting', () => {
    const flt = f('user:bob  -verb:get');
    expect(flt.terms.map((t) => [t.key, t.start, t.end, t.negate])).toEqual([
      ['user', 0, 8, false],
      ['verb', 10, 19, true],
    ]);
  });
});
