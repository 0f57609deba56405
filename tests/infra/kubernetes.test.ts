import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeConfig } from '@referral-hub/platform';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig as loadConsoleConfig } from '../../apps/console/src/config.js';
import { configSchema as consentSchema, loadConsentConfig } from '../../services/consent/src/config.js';
import { configSchema as directorySchema, loadDirectoryConfig } from '../../services/directory/src/config.js';
import { configSchema as notificationsSchema, loadNotificationsConfig } from '../../services/notifications/src/config.js';
import { configSchema as referralsSchema, loadReferralsConfig } from '../../services/referrals/src/config.js';

/**
 * The Kubernetes manifests (deploy/kubernetes), rendered by `kubectl kustomize` exactly as
 * `kubectl apply -k` applies them, then checked: every object against the Kubernetes schemas
 * (kubernetes-models) or its operator's CRD schema (deploy/kubernetes/crd-schemas), and the
 * rules that matter for a national deployment. Each rule is a function returning problems, and
 * the last block breaks the rendered objects on purpose to show that each rule can fail.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OVERLAYS_DIR = `${ROOT}deploy/kubernetes/overlays`;
const CRD_DIR = `${ROOT}deploy/kubernetes/crd-schemas`;
const OVERLAYS = readdirSync(OVERLAYS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
/** One rendered Kubernetes object, read loosely: the rules below look into it by path. */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Obj;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The value at a dotted path, or undefined. */
function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}
function objs(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}
function strings(value: unknown): Record<string, string> {
  if (!isObj(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
const clone = (objects: K8sObject[]): K8sObject[] => structuredClone(objects);

const KUBECTL_MISSING = [
  'kubectl is not on PATH. The Kubernetes manifests (deploy/kubernetes) are rendered with `kubectl kustomize`,',
  'as `kubectl apply -k` applies them; no cluster is needed. Install kubectl 1.27 or newer (Kustomize 5 is built in):',
  'https://kubernetes.io/docs/tasks/tools/ (Debian/Ubuntu: the pkgs.k8s.io apt repository, `apt-get install kubectl`).',
].join('\n');

const rendered = new Map<string, K8sObject[]>();
/** The overlay as `kubectl apply -k` would apply it, rendered once per run (a copy each time). */
function render(overlay: string): K8sObject[] {
  const cached = rendered.get(overlay) ?? renderNow(overlay);
  rendered.set(overlay, cached);
  return structuredClone(cached);
}

function renderNow(overlay: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', `${OVERLAYS_DIR}/${overlay}`], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    if (isObj(error) && error.code === 'ENOENT') throw new Error(KUBECTL_MISSING);
    throw error;
  }
  return parseAllDocuments(output)
    .map((document) => document.toJS() as unknown)
    .filter(isObj)
    .map((object) => object as K8sObject);
}

// ---------------------------------------------------------------------------
// Schemas

/** Core kinds, validated by kubernetes-models (types, enums, required fields of the Kubernetes OpenAPI). */
const CORE: Record<string, (object: K8sObject) => void> = {
  'v1/Namespace': (o) => new Namespace(o as never).validate(),
  'v1/ConfigMap': (o) => new ConfigMap(o as never).validate(),
  'v1/Service': (o) => new Service(o as never).validate(),
  'apps/v1/Deployment': (o) => new Deployment(o as never).validate(),
  'batch/v1/Job': (o) => new Job(o as never).validate(),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o as never).validate(),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as never).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as never).validate(),
  'networking.k8s.io/v1/Ingress': (o) => new Ingress(o as never).validate(),
};

/**
 * An operator's schema as the API server applies it with strict field validation (kubectl's
 * default): a field the schema does not name is an error, unless the schema keeps unknown fields.
 */
function strictSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      (key === 'properties' || key === 'patternProperties') && isObj(value)
        ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictSchema(sub)]))
        : strictSchema(value);
  }
  if (isObj(out.properties) && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** The API server's patterns are Go's (RE2): its `(?i)` (here always at the start of what it applies to) is JavaScript's `i` flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'new RegExp' },
);

function crdValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(CRD_DIR).filter((name) => name.endsWith('.json'))) {
    const crd = JSON.parse(readFileSync(`${CRD_DIR}/${file}`, 'utf8')) as { apiVersion: string; kind: string; schema: Json };
    validators.set(`${crd.apiVersion}/${crd.kind}`, ajv.compile(strictSchema(crd.schema) as object));
  }
  return validators;
}
const CRDS = crdValidators();

function schemaProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const type = `${object.apiVersion}/${object.kind}`;
    const name = `${object.kind} ${object.metadata.name}`;
    const core = CORE[type];
    const crd = CRDS.get(type);
    if (core !== undefined) {
      try {
        core(object);
      } catch (error) {
        problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (crd !== undefined) {
      // Metadata is the API server's own; the CRD schema covers the rest.
      if (!crd({ ...object, metadata: {} })) {
        problems.push(`${name}: ${(crd.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ')}`);
      }
    } else {
      problems.push(`${name}: no schema for ${type} (add its CRD to deploy/kubernetes/crd-schemas or its model to this test)`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Rules

const SERVICES = ['directory', 'consent', 'referrals', 'notifications'] as const;
const WORKLOADS = [...SERVICES, 'console'] as const;

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
function podSpecs(objects: K8sObject[]): { owner: string; pod: Obj }[] {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'Job')
    .map((object) => ({ owner: `${object.kind} ${object.metadata.name}`, pod: isObj(at(object, 'spec.template.spec')) ? (at(object, 'spec.template.spec') as Obj) : {} }));
}
const selects = (selector: unknown, labels: Record<string, string>) => {
  const wanted = strings(at(selector, 'matchLabels'));
  return Object.keys(wanted).length > 0 && Object.entries(wanted).every(([key, value]) => labels[key] === value);
};

/** Non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, requests and limits: every container. */
function containerProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { owner, pod } of podSpecs(objects)) {
    const podSecurity = at(pod, 'securityContext');
    if (at(podSecurity, 'runAsNonRoot') !== true) problems.push(`${owner}: pod securityContext.runAsNonRoot is not true`);
    if (at(podSecurity, 'seccompProfile.type') !== 'RuntimeDefault') problems.push(`${owner}: pod seccompProfile is not RuntimeDefault`);
    if (pod.automountServiceAccountToken !== false) problems.push(`${owner}: the pod mounts a service account token it never uses`);
    for (const container of [...objs(pod.initContainers), ...objs(pod.containers)]) {
      const where = `${owner} container ${String(container.name)}`;
      const security = at(container, 'securityContext');
      if (at(security, 'runAsNonRoot') !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if (at(security, 'readOnlyRootFilesystem') !== true) problems.push(`${where}: root filesystem is not read-only`);
      if (at(security, 'allowPrivilegeEscalation') !== false) problems.push(`${where}: privilege escalation is allowed`);
      const drop = at(security, 'capabilities.drop');
      if (!Array.isArray(drop) || !drop.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
      if (at(security, 'capabilities.add') !== undefined) problems.push(`${where}: adds capabilities`);
      for (const resource of ['cpu', 'memory']) {
        if (at(container, `resources.requests.${resource}`) === undefined) problems.push(`${where}: no ${resource} request`);
        if (at(container, `resources.limits.${resource}`) === undefined) problems.push(`${where}: no ${resource} limit`);
      }
      const mounts = objs(container.volumeMounts).map((mount) => mount.mountPath);
      if (!mounts.includes('/tmp')) problems.push(`${where}: no writable /tmp (an emptyDir) beside its read-only root`);
    }
  }
  return problems;
}

/** Each Deployment: probes on /readyz and /livez, a Service, a PodDisruptionBudget that lets a node drain, an HPA. */
function deploymentProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const deployments = ofKind(objects, 'Deployment');
  for (const name of WORKLOADS) {
    if (named(objects, 'Deployment', name) === undefined) problems.push(`no Deployment ${name}`);
  }
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const labels = strings(at(deployment, 'spec.template.metadata.labels'));
    for (const container of objs(at(deployment, 'spec.template.spec.containers'))) {
      const ports = objs(container.ports).map((port) => port.name);
      for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/livez']] as const) {
        if (at(container, `${probe}.httpGet.path`) !== path) problems.push(`Deployment ${name}: ${probe} is not an HTTP GET of ${path}`);
        const port = at(container, `${probe}.httpGet.port`);
        if (typeof port === 'string' && !ports.includes(port)) problems.push(`Deployment ${name}: ${probe} names port ${port}, which the container does not declare`);
      }
    }
    if (at(deployment, 'spec.replicas') !== undefined) problems.push(`Deployment ${name}: sets replicas, which its HorizontalPodAutoscaler owns`);
    const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find(
      (candidate) => at(candidate, 'spec.scaleTargetRef.kind') === 'Deployment' && at(candidate, 'spec.scaleTargetRef.name') === name,
    );
    const minReplicas = Number(at(hpa, 'spec.minReplicas') ?? 1);
    if (hpa === undefined) problems.push(`Deployment ${name}: no HorizontalPodAutoscaler`);
    else if (minReplicas < 2) problems.push(`Deployment ${name}: its HorizontalPodAutoscaler allows fewer than 2 replicas, so a node lost stops it`);
    const pdb = ofKind(objects, 'PodDisruptionBudget').find((candidate) => selects(at(candidate, 'spec.selector'), labels));
    if (pdb === undefined) problems.push(`Deployment ${name}: no PodDisruptionBudget selects its pods`);
    else if (Number(at(pdb, 'spec.minAvailable') ?? 0) >= minReplicas) {
      problems.push(`Deployment ${name}: its PodDisruptionBudget keeps ${String(at(pdb, 'spec.minAvailable'))} of ${minReplicas} pods, so no node can ever drain`);
    }
    const service = ofKind(objects, 'Service').find((candidate) => {
      const selector = strings(at(candidate, 'spec.selector'));
      return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
    });
    if (service === undefined) problems.push(`Deployment ${name}: no Service selects its pods`);
    const policy = ofKind(objects, 'NetworkPolicy').find((candidate) => selects(at(candidate, 'spec.podSelector'), labels));
    if (policy === undefined) problems.push(`Deployment ${name}: no NetworkPolicy of its own`);
  }
  return problems;
}

/** A namespace-wide default deny, and no rule that opens everything. */
function networkProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const policies = ofKind(objects, 'NetworkPolicy');
  const denyAll = policies.find((policy) => {
    const selector = at(policy, 'spec.podSelector');
    const types = at(policy, 'spec.policyTypes');
    return (
      isObj(selector) &&
      Object.keys(selector).length === 0 &&
      Array.isArray(types) &&
      types.includes('Ingress') &&
      types.includes('Egress') &&
      at(policy, 'spec.ingress') === undefined &&
      at(policy, 'spec.egress') === undefined
    );
  });
  if (denyAll === undefined) problems.push('no default-deny NetworkPolicy (every pod, Ingress and Egress, no rule)');
  for (const policy of policies) {
    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of objs(at(policy, `spec.${direction}`))) {
        const peers = direction === 'ingress' ? rule.from : rule.to;
        if (peers === undefined && rule.ports === undefined) problems.push(`NetworkPolicy ${policy.metadata.name}: an ${direction} rule open to everything`);
        for (const peer of objs(peers)) {
          if (at(peer, 'ipBlock.cidr') === '0.0.0.0/0' && rule.ports === undefined) {
            problems.push(`NetworkPolicy ${policy.metadata.name}: ${direction} to any address on any port`);
          }
        }
      }
    }
  }
  return problems;
}

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN$|_KEYS?$|API_KEY|PRIVATE)/i;
const CREDENTIALS_IN_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
/** Nothing secret in a ConfigMap: neither a secret's name nor a URL carrying a password. */
function configMapProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const configMap of ofKind(objects, 'ConfigMap')) {
    for (const [key, value] of Object.entries(strings(configMap.data))) {
      if (SECRET_NAME.test(key)) problems.push(`ConfigMap ${configMap.metadata.name}: ${key} looks like a secret; it belongs in a Secret`);
      if (CREDENTIALS_IN_URL.test(value)) problems.push(`ConfigMap ${configMap.metadata.name}: ${key} carries credentials in a URL`);
    }
  }
  for (const { owner, pod } of podSpecs(objects)) {
    for (const container of objs(pod.containers)) {
      for (const variable of objs(container.env)) {
        const value = variable.value;
        if (typeof value !== 'string') continue;
        if (SECRET_NAME.test(String(variable.name))) problems.push(`${owner}: ${String(variable.name)} is written in the manifest; it belongs in a Secret`);
        if (CREDENTIALS_IN_URL.test(value.replace(/\$\([A-Z0-9_]+\)/g, ''))) problems.push(`${owner}: ${String(variable.name)} carries a password in the manifest`);
      }
    }
  }
  return problems;
}

/** Every image names a version: an explicit tag other than latest, or a digest. */
function imageProblems(objects: K8sObject[]): string[] {
  const images: { where: string; image: unknown }[] = [];
  for (const { owner, pod } of podSpecs(objects)) {
    for (const container of [...objs(pod.initContainers), ...objs(pod.containers)]) images.push({ where: owner, image: container.image });
  }
  for (const object of objects) {
    for (const path of ['spec.image', 'spec.imageName', 'spec.kubernetesConfig.image', 'spec.sentinel.image']) {
      const image = at(object, path);
      if (image !== undefined) images.push({ where: `${object.kind} ${object.metadata.name}`, image });
    }
  }
  const problems: string[] = [];
  for (const { where, image } of images) {
    if (typeof image !== 'string') {
      problems.push(`${where}: no image`);
      continue;
    }
    if (image.includes('@sha256:')) continue;
    const tag = /:([^/:]+)$/.exec(image)?.[1];
    if (tag === undefined || tag === 'latest') problems.push(`${where}: image ${image} has no version (tag ${tag ?? 'none'})`);
  }
  return problems;
}

/** The backing services as the issue asks: a synchronous standby and PITR backups, 3 RabbitMQ nodes, Redis with Sentinel. */
function backingProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const postgres = ofKind(objects, 'Cluster')[0];
  if (postgres === undefined) return ['no CloudNativePG Cluster'];
  if (Number(at(postgres, 'spec.instances') ?? 0) < 2) problems.push('PostgreSQL: fewer than 2 instances');
  if (Number(at(postgres, 'spec.postgresql.synchronous.number') ?? 0) < 1) problems.push('PostgreSQL: no synchronous standby');
  if (at(postgres, 'spec.backup.barmanObjectStore.destinationPath') === undefined) problems.push('PostgreSQL: no backups to an object store (WAL archive, PITR)');
  const backup = ofKind(objects, 'ScheduledBackup').find((candidate) => at(candidate, 'spec.cluster.name') === postgres.metadata.name);
  if (backup === undefined) problems.push('PostgreSQL: no ScheduledBackup');
  const roles = objs(at(postgres, 'spec.managed.roles')).map((role) => role.name);
  for (const service of SERVICES) {
    const database = ofKind(objects, 'Database').find((candidate) => at(candidate, 'spec.name') === `hub_${service}`);
    if (at(database, 'spec.owner') !== `${service}_svc`) problems.push(`PostgreSQL: no database hub_${service} owned by ${service}_svc`);
    if (!roles.includes(`${service}_svc`)) problems.push(`PostgreSQL: no managed role ${service}_svc`);
  }
  const rabbit = ofKind(objects, 'RabbitmqCluster')[0];
  if (Number(at(rabbit, 'spec.replicas') ?? 0) !== 3) problems.push('RabbitMQ: not 3 nodes');
  const redis = ofKind(objects, 'RedisReplication')[0];
  if (Number(at(redis, 'spec.sentinel.size') ?? 0) < 3) problems.push('Redis: fewer than 3 Sentinels');
  return problems;
}

/** TLS for every host the Ingress serves, issued by cert-manager. */
function ingressProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ingresses = ofKind(objects, 'Ingress');
  if (ingresses.length === 0) problems.push('no Ingress');
  for (const ingress of ingresses) {
    const covered = new Set(objs(at(ingress, 'spec.tls')).flatMap((tls) => (Array.isArray(tls.hosts) ? tls.hosts.map(String) : [])));
    for (const rule of objs(at(ingress, 'spec.rules'))) {
      if (!covered.has(String(rule.host))) problems.push(`Ingress ${ingress.metadata.name}: ${String(rule.host)} is served without TLS`);
    }
    if (ingress.metadata.annotations?.['cert-manager.io/cluster-issuer'] === undefined && ingress.metadata.annotations?.['cert-manager.io/issuer'] === undefined) {
      problems.push(`Ingress ${ingress.metadata.name}: no cert-manager issuer annotation`);
    }
  }
  const console = ingresses.flatMap((ingress) => objs(at(ingress, 'spec.rules'))).some((rule) =>
    objs(at(rule, 'http.paths')).some((path) => at(path, 'backend.service.name') === 'console'),
  );
  if (!console) problems.push('the console is not reachable through an Ingress');
  return problems;
}

/** Prometheus scrapes every workload's /metrics through a port its Service has; the Ingress never routes to a metrics port. */
function monitoringProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  if (ofKind(objects, 'PrometheusRule').length === 0) problems.push('no PrometheusRule: nobody is alerted');
  for (const name of WORKLOADS) {
    const service = named(objects, 'Service', name);
    const labels = service?.metadata.labels ?? {};
    const ports = objs(at(service, 'spec.ports')).map((port) => port.name);
    const monitor = ofKind(objects, 'ServiceMonitor').find((candidate) => {
      const selector = at(candidate, 'spec.selector');
      const expressions = objs(at(selector, 'matchExpressions'));
      return (
        selects(selector, labels) ||
        (expressions.length > 0 && expressions.every((e) => e.operator === 'In' && Array.isArray(e.values) && e.values.includes(labels[String(e.key)] ?? '')))
      );
    });
    if (monitor === undefined) {
      problems.push(`Service ${name}: no ServiceMonitor scrapes it`);
      continue;
    }
    for (const endpoint of objs(at(monitor, 'spec.endpoints'))) {
      if (!ports.includes(endpoint.port as Json)) problems.push(`ServiceMonitor ${monitor.metadata.name}: port ${String(endpoint.port)} is not a port of Service ${name}`);
      if (endpoint.path !== '/metrics') problems.push(`ServiceMonitor ${monitor.metadata.name}: scrapes ${String(endpoint.path)}, not /metrics`);
    }
  }
  for (const ingress of ofKind(objects, 'Ingress')) {
    for (const path of objs(at(ingress, 'spec.rules')).flatMap((rule) => objs(at(rule, 'http.paths')))) {
      if (at(path, 'backend.service.port.name') !== 'http') problems.push(`Ingress ${ingress.metadata.name}: routes to port ${JSON.stringify(at(path, 'backend.service.port'))} of ${String(at(path, 'backend.service.name'))}, not http`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Each container's environment, as the kubelet builds it

type Secrets = Map<string, Record<string, string>>;

/**
 * The Secrets deploy/kubernetes/create-secrets.sh creates before a first install, as it prints
 * them (`--print`, no cluster needed), with stand-ins for what another system issues.
 */
let created: Secrets | undefined;
function createdSecrets(): Secrets {
  created ??= createSecretsNow();
  return new Map(created);
}

function createSecretsNow(): Secrets {
  const output = execFileSync('bash', [`${ROOT}deploy/kubernetes/create-secrets.sh`, '--print'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      REFERRALS_CLIENT_SECRET: 'issued-by-the-identity-provider-1',
      NOTIFICATIONS_CLIENT_SECRET: 'issued-by-the-identity-provider-2',
      CONSOLE_CLIENT_SECRET: 'issued-by-the-identity-provider-3',
      SMTP_URL: 'smtps://hub:relay-password@relay.example.org:465',
      BACKUP_ACCESS_KEY_ID: 'backup-key-id',
      BACKUP_ACCESS_SECRET_KEY: 'backup-secret-key',
    },
  });
  const secrets: Secrets = new Map();
  for (const document of parseAllDocuments(output)) {
    const secret = document.toJS() as unknown;
    if (!isObj(secret) || secret.kind !== 'Secret') continue;
    const data = Object.fromEntries(Object.entries(strings(secret.data)).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    secrets.set(String(at(secret, 'metadata.name')), data);
  }
  return secrets;
}

/** Every Secret and key the manifests read (containers' required references, the operators' resources) is one the script creates. */
function secretReferenceProblems(objects: K8sObject[], secrets: Secrets): string[] {
  const wanted: { where: string; name: unknown; key?: unknown }[] = [];
  for (const { owner, pod } of podSpecs(objects)) {
    for (const container of objs(pod.containers)) {
      for (const variable of objs(container.env)) {
        const ref = at(variable, 'valueFrom.secretKeyRef');
        if (isObj(ref) && ref.optional !== true) wanted.push({ where: `${owner} ${String(variable.name)}`, name: ref.name, key: ref.key });
      }
    }
  }
  for (const object of objects) {
    const where = `${object.kind} ${object.metadata.name}`;
    for (const role of objs(at(object, 'spec.managed.roles'))) wanted.push({ where, name: at(role, 'passwordSecret.name'), key: 'password' });
    for (const path of ['spec.bootstrap.initdb.secret.name', 'spec.importCredentialsSecret.name']) {
      const name = at(object, path);
      if (name !== undefined) wanted.push({ where, name, key: 'password' });
    }
    for (const path of ['spec.backup.barmanObjectStore.s3Credentials.accessKeyId', 'spec.backup.barmanObjectStore.s3Credentials.secretAccessKey', 'spec.kubernetesConfig.redisSecret', 'spec.sentinel.redisSecret']) {
      const ref = at(object, path);
      if (isObj(ref)) wanted.push({ where, name: ref.name, key: ref.key });
    }
  }
  return wanted
    .filter(({ name, key }) => secrets.get(String(name))?.[String(key)] === undefined)
    .map(({ where, name, key }) => `${where}: reads key ${String(key)} of Secret ${String(name)}, which create-secrets.sh does not create`);
}

/** Variables set by the manifests for the entry point, or only to be spelled into another variable, not read by the service. */
const NOT_SERVICE_VARIABLES = new Set(['MIGRATE_ON_START', 'NODE_OPTIONS', 'DATABASE_PASSWORD', 'AMQP_PASSWORD', 'REDIS_PASSWORD']);
/** OpenTelemetry's own variables, read by the SDK the platform's preload starts (packages/platform/src/observability/register.ts). */
const isOpenTelemetryVariable = (name: string) => name.startsWith('OTEL_');

/**
 * The environment of a Deployment's container: ConfigMaps of envFrom, then env in order, each
 * `$(NAME)` expanded from what is defined before it (Kubernetes leaves an unknown one as is, which
 * is reported). Secrets are those create-secrets.sh creates.
 */
function containerEnvironment(objects: K8sObject[], secrets: Secrets, deploymentName: string): { env: Record<string, string>; problems: string[] } {
  const deployment = named(objects, 'Deployment', deploymentName);
  const container = objs(at(deployment, 'spec.template.spec.containers'))[0];
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of objs(container?.envFrom)) {
    const name = at(source, 'configMapRef.name');
    const configMap = typeof name === 'string' ? named(objects, 'ConfigMap', name) : undefined;
    if (configMap === undefined) problems.push(`${deploymentName}: envFrom names ConfigMap ${String(name)}, which is not rendered`);
    Object.assign(env, strings(configMap?.data));
  }
  for (const variable of objs(container?.env)) {
    const name = String(variable.name);
    if (typeof variable.value === 'string') {
      env[name] = variable.value.replace(/\$\(([A-Za-z0-9_]+)\)/g, (whole, reference: string) => {
        const value = env[reference];
        if (value === undefined) problems.push(`${deploymentName}: ${name} refers to $(${reference}), not defined before it`);
        return value ?? whole;
      });
      continue;
    }
    const secretKey = at(variable, 'valueFrom.secretKeyRef.key');
    const configMapKey = at(variable, 'valueFrom.configMapKeyRef.key');
    if (typeof secretKey === 'string') {
      const value = secrets.get(String(at(variable, 'valueFrom.secretKeyRef.name')))?.[secretKey];
      if (value !== undefined) env[name] = value;
      else if (at(variable, 'valueFrom.secretKeyRef.optional') !== true) problems.push(`${deploymentName}: ${name} reads a Secret key nobody creates`);
    } else if (typeof configMapKey === 'string') {
      const configMap = named(objects, 'ConfigMap', String(at(variable, 'valueFrom.configMapKeyRef.name')));
      const value = strings(configMap?.data)[configMapKey];
      if (value !== undefined) env[name] = value;
    } else {
      problems.push(`${deploymentName}: ${name} has neither a value nor a reference`);
    }
  }
  return { env, problems };
}

/** The number of a Deployment's container port, by its name. */
function containerPort(objects: K8sObject[], deploymentName: string, portName: string): number | undefined {
  const container = objs(at(named(objects, 'Deployment', deploymentName), 'spec.template.spec.containers'))[0];
  const port = objs(container?.ports).find((candidate) => candidate.name === portName)?.containerPort;
  return typeof port === 'number' ? port : undefined;
}

const SCHEMAS = { directory: directorySchema, consent: consentSchema, referrals: referralsSchema, notifications: notificationsSchema } as const;
const LOADERS = {
  directory: loadDirectoryConfig,
  consent: loadConsentConfig,
  referrals: loadReferralsConfig,
  notifications: loadNotificationsConfig,
} as const;

// ---------------------------------------------------------------------------

let KUBECTL: string | undefined;
try {
  KUBECTL = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
} catch {
  KUBECTL = undefined;
}

describe('kubectl', () => {
  it('is on PATH, to render the manifests as they are applied', () => {
    if (KUBECTL === undefined) throw new Error(KUBECTL_MISSING);
    expect(KUBECTL).toMatch(/Kustomize Version: v5/);
  });
});

describe('the overlays', () => {
  it('are production and staging at least', () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(['production', 'staging']));
  });
});

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  let objects: K8sObject[] = [];
  let secrets: Secrets = new Map();
  beforeEach(() => {
    objects = render(overlay);
    secrets = createdSecrets();
  });

  it('renders every object into its own namespace', () => {
    expect(objects.length).toBeGreaterThan(40);
    const namespace = ofKind(objects, 'Namespace')[0]?.metadata.name;
    expect(namespace).toBeDefined();
    expect(objects.filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespace).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
  });

  it('is valid against the Kubernetes schemas and the operators\' CRD schemas', () => {
    expect(schemaProblems(objects)).toEqual([]);
  });

  it('runs every container non-root, read-only, without capabilities, with requests and limits', () => {
    expect(containerProblems(objects)).toEqual([]);
  });

  it('gives every Deployment probes on /readyz and /livez, a Service, a PodDisruptionBudget, an HPA and a NetworkPolicy', () => {
    expect(deploymentProblems(objects)).toEqual([]);
  });

  it('denies all traffic by default and opens nothing to everything', () => {
    expect(networkProblems(objects)).toEqual([]);
  });

  it('keeps secrets out of ConfigMaps and out of the manifests', () => {
    expect(configMapProblems(objects)).toEqual([]);
  });

  it('runs images of a named version', () => {
    expect(imageProblems(objects)).toEqual([]);
  });

  it('has the backing services the issue asks for: a synchronous standby with PITR backups, 3 RabbitMQ nodes, Redis with Sentinel', () => {
    expect(backingProblems(objects)).toEqual([]);
  });

  it('serves the console and the APIs over TLS from cert-manager', () => {
    expect(ingressProblems(objects)).toEqual([]);
  });

  it('has Prometheus scrape every workload, and keeps /metrics ports off the Ingress', () => {
    expect(monitoringProblems(objects)).toEqual([]);
  });

  it('reads only Secrets and keys that create-secrets.sh creates', () => {
    expect(secretReferenceProblems(objects, secrets)).toEqual([]);
  });

  it.each(SERVICES)('gives %s every variable its configuration requires, and none it ignores', (service) => {
    const { env, problems } = containerEnvironment(objects, secrets, service);
    expect(problems).toEqual([]);
    expect(env.NODE_ENV).toBe('production');
    // The service's own loader: the schema and its production rules (key rings required...).
    expect(() => LOADERS[service](env)).not.toThrow();
    // /metrics is served where the container declares it, and where the ServiceMonitor scrapes.
    expect(Number(env.METRICS_PORT)).toBe(containerPort(objects, service, 'metrics'));
    const known = new Set(describeConfig(SCHEMAS[service]).map((variable) => variable.name));
    expect(Object.keys(env).filter((key) => !known.has(key) && !NOT_SERVICE_VARIABLES.has(key) && !isOpenTelemetryVariable(key))).toEqual([]);
  });

  it.each(WORKLOADS)('keeps the JavaScript heap of %s within its memory limit', (name) => {
    const { env } = containerEnvironment(objects, secrets, name);
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1]);
    const limit = String(at(objs(at(named(objects, 'Deployment', name), 'spec.template.spec.containers'))[0], 'resources.limits.memory'));
    const limitMb = /^(\d+)Mi$/.test(limit) ? Number(limit.slice(0, -2)) : /^(\d+)Gi$/.test(limit) ? Number(limit.slice(0, -2)) * 1024 : Number.NaN;
    expect(heapMb).toBeGreaterThan(0);
    // Room beside the heap for the young generation, code, buffers and the node binary (about 100 MB at idle).
    expect(heapMb).toBeLessThanOrEqual(limitMb - 96);
  });

  it('gives the console every variable it requires, listening on every address', () => {
    const { env, problems } = containerEnvironment(objects, secrets, 'console');
    expect(problems).toEqual([]);
    const config = loadConsoleConfig(env);
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(containerPort(objects, 'console', 'http'));
    expect(config.metricsPort).toBe(containerPort(objects, 'console', 'metrics'));
    expect(config.publicUrl).toMatch(/^https:\/\//);
  });
});

describe('the restore drill', () => {
  it('is a recovery of the production cluster\'s backups, valid against the schemas', () => {
    const drill = parseAllDocuments(readFileSync(`${ROOT}deploy/kubernetes/drills/pitr-restore.yaml`, 'utf8'))
      .map((document) => document.toJS() as unknown)
      .filter(isObj)
      .map((object) => object as K8sObject);
    expect(schemaProblems(drill)).toEqual([]);
    expect(networkProblems([...drill, ...render('production').filter((object) => object.kind === 'NetworkPolicy')])).toEqual([]);
    const cluster = ofKind(drill, 'Cluster')[0];
    const live = ofKind(render('production'), 'Cluster')[0];
    expect(at(cluster, 'spec.bootstrap.recovery.recoveryTarget.targetTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const source = objs(at(cluster, 'spec.externalClusters')).find((external) => external.name === at(cluster, 'spec.bootstrap.recovery.source'));
    expect(at(source, 'barmanObjectStore.destinationPath')).toBe(at(live, 'spec.backup.barmanObjectStore.destinationPath'));
    expect(at(source, 'barmanObjectStore.serverName')).toBe(live?.metadata.name);
  });
});

describe('the rules fail when the manifests break one', () => {
  let objects: K8sObject[] = [];
  let secrets: Secrets = new Map();
  beforeEach(() => {
    objects = render('production');
    secrets = createdSecrets();
  });
  const deployment = (list: K8sObject[], name: string) => {
    const found = named(list, 'Deployment', name);
    if (found === undefined) throw new Error(`no Deployment ${name}`);
    return found;
  };
  const firstContainer = (object: K8sObject): Obj => objs(at(object, 'spec.template.spec.containers'))[0] ?? {};

  it('a field of the wrong type, or unknown to an operator', () => {
    const broken = clone(objects);
    const container = firstContainer(deployment(broken, 'referrals'));
    container.ports = [{ name: 'http', containerPort: 'eighty' }];
    const rabbit = ofKind(broken, 'RabbitmqCluster')[0];
    if (rabbit !== undefined) rabbit.spec = { ...(rabbit.spec as Obj), replica: 3 };
    const problems = schemaProblems(broken);
    expect(problems).toContainEqual(expect.stringContaining('Deployment referrals'));
    expect(problems).toContainEqual(expect.stringContaining('RabbitmqCluster hub-rabbitmq'));
  });

  it('a writable root filesystem, a missing limit', () => {
    const broken = clone(objects);
    const container = firstContainer(deployment(broken, 'consent'));
    container.securityContext = { ...(container.securityContext as Obj), readOnlyRootFilesystem: false };
    container.resources = { requests: { cpu: '100m', memory: '192Mi' } };
    const problems = containerProblems(broken);
    expect(problems).toContainEqual(expect.stringContaining('consent container consent: root filesystem is not read-only'));
    expect(problems).toContainEqual(expect.stringContaining('consent container consent: no memory limit'));
  });

  it('a probe on the wrong path, a Deployment without a PodDisruptionBudget', () => {
    const broken = clone(objects).filter((object) => !(object.kind === 'PodDisruptionBudget' && object.metadata.name === 'directory'));
    const container = firstContainer(deployment(broken, 'notifications'));
    container.livenessProbe = { httpGet: { path: '/readyz', port: 'http' } };
    const problems = deploymentProblems(broken);
    expect(problems).toContain('Deployment notifications: livenessProbe is not an HTTP GET of /livez');
    expect(problems).toContain('Deployment directory: no PodDisruptionBudget selects its pods');
  });

  it('no default deny', () => {
    const broken = clone(objects).filter((object) => !(object.kind === 'NetworkPolicy' && object.metadata.name === 'default-deny'));
    expect(networkProblems(broken)).toContain('no default-deny NetworkPolicy (every pod, Ingress and Egress, no rule)');
  });

  it('a metrics port behind the Ingress, a workload nobody scrapes, no alert rules', () => {
    const broken = clone(objects).filter((object) => object.kind !== 'PrometheusRule');
    const monitor = ofKind(broken, 'ServiceMonitor')[0];
    if (monitor === undefined) throw new Error('no ServiceMonitor');
    monitor.spec = { ...(monitor.spec as Obj), selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['directory', 'consent', 'referrals', 'notifications'] }] } };
    const ingress = ofKind(broken, 'Ingress')[0];
    const path = objs(at(objs(at(ingress, 'spec.rules'))[1], 'http.paths'))[0];
    if (path === undefined) throw new Error('no second Ingress rule');
    path.backend = { service: { name: 'directory', port: { name: 'metrics' } } };
    const problems = monitoringProblems(broken);
    expect(problems).toContain('Service console: no ServiceMonitor scrapes it');
    expect(problems).toContain('no PrometheusRule: nobody is alerted');
    expect(problems).toContainEqual(expect.stringContaining('routes to port {"name":"metrics"} of directory'));
  });

  it('a secret in a ConfigMap', () => {
    const broken = clone(objects);
    const configMap = ofKind(broken, 'ConfigMap').find((candidate) => candidate.metadata.name.startsWith('referrals-config'));
    if (configMap === undefined) throw new Error('no referrals-config');
    configMap.data = { ...(configMap.data as Obj), REFERRAL_PAYLOAD_KEYS: 'k1:abc', CONSENT_URL: 'http://user:pw@consent' };
    const problems = configMapProblems(broken);
    expect(problems).toContainEqual(expect.stringContaining('REFERRAL_PAYLOAD_KEYS looks like a secret'));
    expect(problems).toContainEqual(expect.stringContaining('CONSENT_URL carries credentials'));
  });

  it('an image tagged latest, or without a tag', () => {
    const broken = clone(objects);
    firstContainer(deployment(broken, 'console')).image = 'registry.example.org/referral-hub/console:latest';
    firstContainer(deployment(broken, 'directory')).image = 'registry.example.org/referral-hub/directory';
    const problems = imageProblems(broken);
    expect(problems).toContainEqual(expect.stringContaining('console:latest'));
    expect(problems).toContainEqual(expect.stringContaining('referral-hub/directory has no version'));
  });

  it('a variable the service requires, missing; a Secret nobody creates', () => {
    const broken = clone(objects);
    const container = firstContainer(deployment(broken, 'referrals'));
    container.env = objs(container.env).filter((variable) => variable.name !== 'REFERRAL_PAYLOAD_KEYS');
    const { env } = containerEnvironment(broken, secrets, 'referrals');
    expect(() => loadReferralsConfig(env)).toThrow(/REFERRAL_PAYLOAD_KEYS/);
    const fewer = new Map(secrets);
    fewer.delete('hub-redis-auth');
    expect(secretReferenceProblems(objects, fewer)).toContainEqual(expect.stringContaining('RedisReplication hub-redis: reads key password of Secret hub-redis-auth'));
  });
});
