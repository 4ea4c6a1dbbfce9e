/**
 * Named lists hold exact strings and simple globs ("system:node:*", "prod-*", "registry.k8s.io/*").
 * Lookups are a Set hit for exact entries and a short prefix scan for globs, so the hot path (is this
 * user control plane?) never runs a regex per event.
 */
export class PatternList {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  private readonly globs: RegExp[] = [];
  readonly entries: readonly string[];

  constructor(entries: Iterable<string>) {
    const all: string[] = [];
    for (const e of entries) {
      all.push(e);
      const star = e.indexOf('*');
      if (star === -1) this.exact.add(e);
      else if (star === e.length - 1) this.prefixes.push(e.slice(0, -1));
      else this.globs.push(globToRegExp(e));
    }
    this.entries = all;
  }

  has(s: string): boolean {
    if (this.exact.has(s)) return true;
    for (const p of this.prefixes) if (s.startsWith(p)) return true;
    for (const g of this.globs) if (g.test(s)) return true;
    return false;
  }

  get size(): number {
    return this.entries.length;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

// --- CIDR allowlist ------------------------------------------------------------------------

interface Net4 {
  v: 4;
  base: number;
  mask: number;
}
interface Net6 {
  v: 6;
  /** the address as 8 16-bit words */
  words: number[];
  bits: number;
}
type Net = Net4 | Net6;

/** Parse "10.0.0.0/8", "2001:db8::/32" or a bare address; null when it is not one. */
export function parseCidr(s: string): Net | null {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const bitsText = slash === -1 ? '' : s.slice(slash + 1);
  if (bitsText !== '' && !/^\d{1,3}$/.test(bitsText)) return null;
  const v4 = parseIPv4(addr);
  if (v4 !== null) {
    const bits = bitsText === '' ? 32 : Number(bitsText);
    if (bits > 32) return null;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return { v: 4, base: (v4 & mask) >>> 0, mask };
  }
  const v6 = parseIPv6(addr);
  if (v6 !== null) {
    const bits = bitsText === '' ? 128 : Number(bitsText);
    if (bits > 128) return null;
    return { v: 6, words: v6, bits };
  }
  return null;
}

export function parseIPv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const b = Number(p);
    if (b > 255) return null;
    n = n * 256 + b;
  }
  return n >>> 0;
}

export function parseIPv6(s: string): number[] | null {
  let text = s;
  const pct = text.indexOf('%');
  if (pct !== -1) text = text.slice(0, pct); // zone id (fe80::1%eth0)
  if (!text.includes(':')) return null;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two words.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const words: number[] = [];
  for (const w of [...head, ...new Array<string>(fill).fill('0'), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
    words.push(parseInt(w, 16));
  }
  return words.length === 8 ? words : null;
}

function inNet6(words: number[], net: Net6): boolean {
  let bits = net.bits;
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((words[i] as number) & mask) !== ((net.words[i] as number) & mask)) return false;
    bits -= take;
  }
  return true;
}

/**
 * A set of networks. Answers are cached per address string (bounded): a cluster has few distinct
 * client addresses, so after warm-up a lookup is one Map hit.
 */
export class CidrSet {
  private readonly nets: Net[] = [];
  private readonly cache = new Map<string, boolean>();
  static readonly CACHE_CAP = 4096;

  constructor(entries: Iterable<string>) {
    for (const e of entries) {
      const n = parseCidr(e);
      if (n === null) throw new Error(`not a CIDR or IP address: ${e}`);
      this.nets.push(n);
    }
  }

  /** true when `ip` is inside one of the networks; an unparsable address is not. */
  contains(ip: string): boolean {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const r = this.compute(ip);
    if (this.cache.size >= CidrSet.CACHE_CAP) this.cache.clear();
    this.cache.set(ip, r);
    return r;
  }

  /** true when `s` is an IPv4 or IPv6 address at all (redacted or junk values are not) */
  static isAddress(s: string): boolean {
    return parseIPv4(s) !== null || parseIPv6(s) !== null;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  private compute(ip: string): boolean {
    const v4 = parseIPv4(ip);
    if (v4 !== null) {
      for (const n of this.nets) if (n.v === 4 && ((v4 & n.mask) >>> 0) === n.base) return true;
      return false;
    }
    const v6 = parseIPv6(ip);
    if (v6 === null) return false;
    // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address for allowlist purposes.
    if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff) {
      const a = (((v6[6] as number) << 16) | (v6[7] as number)) >>> 0;
      for (const n of this.nets) if (n.v === 4 && ((a & n.mask) >>> 0) === n.base) return true;
    }
    for (const n of this.nets) if (n.v === 6 && inNet6(v6, n)) return true;
    return false;
  }
}
