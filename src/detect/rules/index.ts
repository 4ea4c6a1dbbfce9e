import type { RuleSpec } from '../rule.js';
import { admissionWebhookChange } from './admission-webhook-change.js';
import { anonymousAllowed } from './anonymous-allowed.js';
import { anonymousDenied } from './anonymous-denied.js';
import { authFailureBurst } from './auth-failure-burst.js';
import { bulkDelete } from './bulk-delete.js';
import { configMapCredentials } from './configmap-credentials.js';
import { csrApproved } from './csr-approved.js';
import { csrCreated } from './csr-created.js';
import { dangerousCapabilities } from './dangerous-capabilities.js';
import { ephemeralContainer } from './ephemeral-container.js';
import { escalatingRole } from './escalating-role.js';
import { eventsDeleted } from './events-deleted.js';
import { execIntoPod } from './exec-into-pod.js';
import { impersonation } from './impersonation.js';
import { kubeSystemPodImage } from './kube-system-pod-image.js';
import { newIdentityMassCreate } from './new-identity-mass-create.js';
import { nodePortService } from './nodeport-service.js';
import { nodeProxy } from './node-proxy.js';
import { panicStage } from './panic.js';
import { permissionEnumeration } from './permission-enumeration.js';
import { portForward } from './port-forward.js';
import { privilegedBinding } from './privileged-binding.js';
import { privilegedPod } from './privileged-pod.js';
import { protectedNamespaceDelete } from './protected-namespace-delete.js';
import { rbacChange } from './rbac-change.js';
import { requestRateSpike } from './request-rate-spike.js';
import { secretListClusterWide } from './secret-list-cluster-wide.js';
import { secretRead } from './secret-read.js';
import { sensitiveHostPath } from './sensitive-hostpath.js';
import { serviceAccountToken } from './serviceaccount-token.js';
import { slowRequest } from './slow-request.js';
import { systemNamespaceWorkload } from './system-namespace-workload.js';
import { untrustedSourceIP } from './untrusted-source-ip.js';
import { wildcardRole } from './wildcard-role.js';

/**
 * The built-in pack, in evaluation order. Within a family the first rule that fires speaks for the
 * request, so specific rules come before their family's fallback.
 */
export const BUILTIN_RULES: readonly RuleSpec[] = [
  execIntoPod,
  portForward,
  ephemeralContainer,
  privilegedPod,
  sensitiveHostPath,
  dangerousCapabilities,
  kubeSystemPodImage,
  systemNamespaceWorkload,
  privilegedBinding,
  wildcardRole,
  escalatingRole,
  rbacChange,
  secretListClusterWide,
  secretRead,
  anonymousAllowed,
  anonymousDenied,
  authFailureBurst,
  permissionEnumeration,
  protectedNamespaceDelete,
  bulkDelete,
  impersonation,
  serviceAccountToken,
  nodeProxy,
  admissionWebhookChange,
  csrCreated,
  csrApproved,
  nodePortService,
  eventsDeleted,
  untrustedSourceIP,
  requestRateSpike,
  newIdentityMassCreate,
  slowRequest,
  panicStage,
  configMapCredentials,
];
