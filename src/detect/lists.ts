import { CidrSet, PatternList } from './patterns.js';

/**
 * The named lists rules consult. Defaults below; `--rules FILE` can add to, remove from or replace
 * any of them (README "Detection rules"). Entries are exact strings or globs with `*`.
 */
export const DEFAULT_LISTS = {
  /** SPEC §5 control-plane identities: the cluster's own machinery, excluded where routine work would alert. */
  controlPlaneUsers: [
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'system:apiserver',
    'system:kube-proxy',
    'system:node:*',
    'system:serviceaccount:kube-system:*',
    // Managed and distribution control planes: OpenShift's platform operators live in the reserved
    // openshift-* namespaces (users cannot create those); EKS and AKS run their own controllers as these.
    'system:serviceaccount:openshift-*',
    'eks:*',
    'aksService',
  ],
  /** Identities with a `system:` name that are really people holding an admin credential. */
  personUsers: ['system:admin', 'kubernetes-admin'],
  /** Deletes here alert (anyone outside the control plane). */
  protectedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'prod', 'production', 'prod-*', 'production-*'],
  /** Workloads and ServiceAccounts created here by anyone outside the control plane alert; pods here are judged by image. */
  systemNamespaces: ['kube-system', 'kube-public'],
  /** Images expected in kube-system/kube-public (registry/repository globs; Docker Hub short names are expanded). */
  systemImages: [
    'registry.k8s.io/*',
    'k8s.gcr.io/*',
    'gcr.io/k8s-staging-*',
    'gke.gcr.io/*',
    'gcr.io/gke-release/*',
    'mcr.microsoft.com/oss/*',
    'mcr.microsoft.com/aks/*',
    'mcr.microsoft.com/containernetworking/*',
    '*.dkr.ecr.*.amazonaws.com/eks/*',
    '*.dkr.ecr.*.amazonaws.com/amazon-k8s-cni*',
    'public.ecr.aws/eks/*',
    'public.ecr.aws/eks-distro/*',
    'public.ecr.aws/ebs-csi-driver/*',
    'public.ecr.aws/efs-csi-driver/*',
    'quay.io/openshift-release-dev/*',
    'docker.io/calico/*',
    'quay.io/calico/*',
    'quay.io/tigera/*',
    'quay.io/cilium/*',
    'docker.io/cilium/*',
    'docker.io/coredns/*',
    'docker.io/rancher/*',
    'docker.io/flannel/*',
    'docker.io/flannelcni/*',
    'ghcr.io/flannel-io/*',
    'docker.io/weaveworks/*',
  ],
  /** hostPath mounts that hand a container the node (exact paths; `*` suffix = the subtree). */
  sensitiveHostPaths: [
    '/',
    '/etc',
    '/etc/kubernetes',
    '/etc/kubernetes/*',
    '/root',
    '/root/*',
    '/home',
    '/home/*',
    '/proc',
    '/proc/*',
    '/boot',
    '/dev',
    '/var/run',
    '/run',
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/var/run/containerd',
    '/var/run/containerd/containerd.sock',
    '/run/containerd',
    '/run/containerd/containerd.sock',
    '/var/run/crio',
    '/var/run/crio/crio.sock',
    '/run/crio',
    '/run/crio/crio.sock',
    '/var/lib/kubelet',
    '/var/lib/kubelet/pki',
    '/var/lib/etcd',
    '/var/lib/docker',
    '/var/lib/containerd',
  ],
  /** Linux capabilities that break container isolation (compared without the CAP_ prefix, upper case). */
  dangerousCapabilities: ['ALL', 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_BOOT', 'DAC_READ_SEARCH', 'NET_ADMIN', 'BPF', 'PERFMON'],
  /** Roles whose bindings are privileged bindings. */
  privilegedRoles: ['cluster-admin', 'admin', 'system:kube-controller-manager', 'system:controller:*', 'system:node', 'system:aggregate-to-admin'],
  /** Groups that are (or act as) cluster superusers: binding subjects, impersonation targets. */
  privilegedGroups: ['system:masters', 'system:cluster-admins', 'system:nodes'],
  /** Users whose impersonation is critical (besides control-plane identities). */
  privilegedUsers: ['system:admin', 'kubernetes-admin', 'kube:admin'],
  /** User-agent prefixes of tools a workload has no business reading secrets with (matched lower-cased). */
  suspiciousUserAgents: [
    'curl/*',
    'wget/*',
    'python-requests/*',
    'python-urllib*',
    'go-http-client/*',
    'postmanruntime/*',
    'okhttp/*',
    'aiohttp/*',
    'httpie/*',
    'libwww-perl/*',
    'node-fetch*',
    'axios/*',
    'kube-hunter*',
    'peirates*',
    'kubeletctl*',
    'nmap*',
    'masscan*',
    'zgrab*',
  ],
  /** Networks mutations may come from (untrusted-source-ip): private, loopback, link-local, CGNAT. */
  sourceIPAllowlist: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', '::1/128', 'fc00::/7', 'fe80::/10'],
  /** Non-resource paths that never alert (health probes from kubelets and load balancers). */
  healthPaths: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*'],
  /** Non-resource paths anonymous users may read by default (system:public-info-viewer). */
  publicInfoPaths: ['/version', '/version/', '/.well-known/openid-configuration', '/openid/v1/jwks'],
  /** Identities that create CSRs as part of joining a node (kubeadm bootstrap tokens). */
  nodeBootstrapUsers: ['system:bootstrap:*'],
} as const satisfies Record<string, readonly string[]>;

export type ListName = keyof typeof DEFAULT_LISTS;
export const LIST_NAMES = Object.keys(DEFAULT_LISTS) as ListName[];

export function isListName(s: string): s is ListName {
  return Object.hasOwn(DEFAULT_LISTS, s);
}

/** Edits from a rules file: `add` extends, `remove` drops, `replace` starts over. */
export interface ListEdit {
  add?: string[];
  remove?: string[];
  replace?: string[];
}

export function applyListEdits(edits: Partial<Record<ListName, ListEdit>> = {}): Record<ListName, string[]> {
  const out = {} as Record<ListName, string[]>;
  for (const name of LIST_NAMES) {
    const e = edits[name];
    let xs: string[] = e?.replace ? [...e.replace] : [...DEFAULT_LISTS[name]];
    if (e?.add) for (const x of e.add) if (!xs.includes(x)) xs.push(x);
    if (e?.remove) {
      const drop = new Set(e.remove);
      xs = xs.filter((x) => !drop.has(x));
    }
    out[name] = xs;
  }
  return out;
}

/** The compiled lists rules use. */
export interface Lists {
  raw: Record<ListName, string[]>;
  controlPlaneUsers: PatternList;
  personUsers: PatternList;
  protectedNamespaces: PatternList;
  systemNamespaces: PatternList;
  systemImages: PatternList;
  sensitiveHostPaths: PatternList;
  dangerousCapabilities: Set<string>;
  privilegedRoles: PatternList;
  privilegedGroups: PatternList;
  privilegedUsers: PatternList;
  suspiciousUserAgents: PatternList;
  sourceIPAllowlist: CidrSet;
  healthPaths: PatternList;
  publicInfoPaths: PatternList;
  nodeBootstrapUsers: PatternList;
}

export function compileLists(raw: Record<ListName, string[]>): Lists {
  return {
    raw,
    controlPlaneUsers: new PatternList(raw.controlPlaneUsers),
    personUsers: new PatternList(raw.personUsers),
    protectedNamespaces: new PatternList(raw.protectedNamespaces),
    systemNamespaces: new PatternList(raw.systemNamespaces),
    systemImages: new PatternList(raw.systemImages),
    sensitiveHostPaths: new PatternList(raw.sensitiveHostPaths.map(normalisePath)),
    dangerousCapabilities: new Set(raw.dangerousCapabilities.map(normaliseCapability)),
    privilegedRoles: new PatternList(raw.privilegedRoles),
    privilegedGroups: new PatternList(raw.privilegedGroups),
    privilegedUsers: new PatternList(raw.privilegedUsers),
    suspiciousUserAgents: new PatternList(raw.suspiciousUserAgents.map((s) => s.toLowerCase())),
    sourceIPAllowlist: new CidrSet(raw.sourceIPAllowlist),
    healthPaths: new PatternList(raw.healthPaths),
    publicInfoPaths: new PatternList(raw.publicInfoPaths),
    nodeBootstrapUsers: new PatternList(raw.nodeBootstrapUsers),
  };
}

/** "/var/run/" → "/var/run", "//etc//" → "/etc"; "/" stays "/". Globs keep their star. */
export function normalisePath(p: string): string {
  let s = p.replace(/\/{2,}/g, '/');
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

export function normaliseCapability(c: string): string {
  const u = c.trim().toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

/**
 * Docker Hub short names as the registry resolves them: "nginx" → "docker.io/library/nginx",
 * "calico/node:v3" → "docker.io/calico/node:v3". Anything with a registry host stays as is.
 */
export function canonicalImage(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return `docker.io/library/${image}`;
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return image;
  return `docker.io/${image}`;
}
