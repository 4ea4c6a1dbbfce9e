import type { Lists } from './lists.js';
import { canonicalImage, normaliseCapability, normalisePath } from './lists.js';

type Obj = Record<string, unknown>;

/** Resources whose objects are or contain a pod template (SPEC §5 "pods and workload templates"). */
export const POD_RESOURCES = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers'] as const;
export const WORKLOAD_RESOURCES = POD_RESOURCES.filter((r) => r !== 'pods');

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A JSON patch (RFC 6902 array of ops) as the partial object its add/replace ops would write, so the
 * same spec checks apply to `kubectl patch --type=json`.
 */
export function jsonPatchToObject(ops: unknown[]): Obj {
  const root: Obj = {};
  for (const op of ops) {
    const o = obj(op);
    if (!o || (o.op !== 'add' && o.op !== 'replace') || typeof o.path !== 'string') continue;
    const segs = o.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (segs.length === 0) continue;
    let cur: Obj = root;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i] as string;
      const next = obj(cur[s]) ?? (Array.isArray(cur[s]) ? null : {});
      if (next === null) break;
      cur[s] = next;
      cur = next;
    }
    // an array index ("0", "-") becomes an object key: the readers below treat objects of
    // containers/volumes like arrays (Object.values)
    cur[segs[segs.length - 1] as string] = o.value;
  }
  return root;
}

/** The pod specs an object (or a patch of it) carries, with where they sit. */
export function podSpecsOf(resource: string, body: unknown): Obj[] {
  const root = Array.isArray(body) ? jsonPatchToObject(body) : obj(body);
  if (!root) return [];
  const spec = obj(root.spec);
  if (!spec) return [];
  if (resource === 'pods') return [spec];
  if (resource === 'cronjobs') {
    const jt = obj(obj(obj(obj(spec.jobTemplate)?.spec)?.template)?.spec);
    return jt ? [jt] : [];
  }
  const t = obj(obj(spec.template)?.spec);
  return t ? [t] : [];
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const o = obj(v);
  return o ? Object.values(o) : [];
}

export interface Container {
  name: string;
  image: string;
  securityContext: Obj | null;
}

export function containersOf(spec: Obj): Container[] {
  const out: Container[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of list(spec[key])) {
      const o = obj(c);
      if (!o) continue;
      out.push({ name: str(o.name), image: str(o.image), securityContext: obj(o.securityContext) });
    }
  }
  return out;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** privileged containers and host namespaces: "privileged container 'x'", "hostNetwork" */
export function privilegeFindings(spec: Obj): string[] {
  const out: string[] = [];
  for (const c of containersOf(spec)) {
    if (c.securityContext?.privileged === true) out.push(`privileged container '${c.name}'`);
  }
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[k] === true) out.push(k);
  return out;
}

/** hostPath volumes on the sensitive list: "hostPath / (volume 'root')" */
export function hostPathFindings(spec: Obj, lists: Lists): string[] {
  const out: string[] = [];
  for (const v of list(spec.volumes)) {
    const o = obj(v);
    const hp = obj(o?.hostPath);
    if (!o || !hp || typeof hp.path !== 'string') continue;
    const p = normalisePath(hp.path);
    if (lists.sensitiveHostPaths.has(p)) out.push(`hostPath ${p} (volume '${str(o.name)}')`);
  }
  return out;
}

/** added capabilities on the dangerous list: "SYS_ADMIN added to 'x'" */
export function capabilityFindings(spec: Obj, lists: Lists): string[] {
  const out: string[] = [];
  for (const c of containersOf(spec)) {
    const add = arr(obj(c.securityContext?.capabilities)?.add);
    const bad = add.filter((a): a is string => typeof a === 'string' && lists.dangerousCapabilities.has(normaliseCapability(a)));
    if (bad.length > 0) out.push(`capabilities ${bad.map(normaliseCapability).join(', ')} on '${c.name}'`);
  }
  return out;
}

/** images not on the system-image list */
export function unknownImages(spec: Obj, lists: Lists): string[] {
  const out: string[] = [];
  for (const c of containersOf(spec)) {
    if (c.image === '') continue;
    if (lists.systemImages.has(c.image) || lists.systemImages.has(canonicalImage(c.image))) continue;
    if (!out.includes(c.image)) out.push(c.image);
  }
  return out;
}
