import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { GatewayEnv, parseGatewayConfig } from '../../gateway/src/config.js';
import { NGINX_TEMPLATE, REPO_ROOT } from './helpers/NginxServer.js';

const KUBECTL = '/usr/bin/kubectl';
const K8S = join(REPO_ROOT, 'k8s');

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string } }[];
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown> & {
    replicas?: number;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
  data?: Record<string, string>;
}

const rendered = existsSync(KUBECTL)
  ? spawnSync(KUBECTL, ['kustomize', K8S], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  : null;
const skip =
  rendered === null && `kubectl is not installed at ${KUBECTL}; kustomize rendering is not checked here`;
const resources: Resource[] =
  rendered?.status === 0 ? parseAllDocuments(rendered.stdout).map((d) => d.toJSON() as Resource) : [];
const workloads = resources.filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet');
const find = (kind: string, name: string) =>
  resources.find((r) => r.kind === kind && r.metadata.name === name);
/** Generated objects carry a content hash suffix. */
const generated = (kind: string, base: string) =>
  resources.find((r) => r.kind === kind && new RegExp(`^${base}-[a-z0-9]{10}$`).test(r.metadata.name));
const decode = (data: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const envFile = (path: string) =>
  Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

t.test('kubectl kustomize renders the base', { skip }, async (t) => {
  t.equal(rendered?.status, 0, rendered?.stderr ?? '');
  const kinds = new Set(resources.map((r) => r.kind));
  for (const kind of [
    'Namespace',
    'Deployment',
    'StatefulSet',
    'Service',
    'ConfigMap',
    'Secret',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'NetworkPolicy',
  ])
    t.ok(kinds.has(kind), `renders a ${kind}`);
  for (const r of resources.filter((r) => r.kind !== 'Namespace'))
    t.equal(r.metadata.namespace, 'driftway', `${r.kind}/${r.metadata.name} is namespaced`);
});

t.test(
  'every workload has probes, resource bounds and a locked-down security context',
  { skip },
  async (t) => {
    t.same(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort(), [
      'Deployment/gateway',
      'Deployment/nginx',
      'StatefulSet/mongo',
      'StatefulSet/redis',
    ]);
    for (const workload of workloads) {
      const pod = workload.spec?.template?.spec as PodSpec;
      for (const c of pod.containers) {
        const where = `${workload.metadata.name}/${c.name}`;
        t.ok(c.readinessProbe, `${where} has a readiness probe`);
        t.ok(c.livenessProbe, `${where} has a liveness probe`);
        for (const bound of ['requests', 'limits'] as const)
          for (const resource of ['cpu', 'memory'])
            t.ok(c.resources?.[bound]?.[resource], `${where} sets ${bound}.${resource}`);
        t.ok(
          c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
          `${where} runs as non-root`,
        );
        t.not(pod.securityContext?.runAsUser, 0);
        t.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where} cannot escalate`);
        t.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where} has a read-only root filesystem`);
        t.same(c.securityContext?.capabilities?.drop, ['ALL'], `${where} drops every capability`);
        t.match(c.image, /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/, `${where} pins its image to a version`);
      }
    }
  },
);

t.test('the gateway runs two replicas probed on /ready and /health', { skip }, async (t) => {
  const gateway = find('Deployment', 'gateway') as Resource;
  t.equal(gateway.spec?.replicas, 2);
  const container = gateway.spec?.template?.spec.containers[0] as Container;
  t.equal(container.readinessProbe?.httpGet?.path, '/ready');
  t.equal(container.livenessProbe?.httpGet?.path, '/health');
  const hpa = find('HorizontalPodAutoscaler', 'gateway');
  t.same(hpa?.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
  t.ok((hpa?.spec?.minReplicas as number) >= 2, 'autoscaling never goes below two');
  const podLabels = gateway.spec?.template?.metadata.labels ?? {};
  const pdbSelector = (find('PodDisruptionBudget', 'gateway')?.spec?.selector as { matchLabels: object })
    .matchLabels;
  t.has(podLabels, pdbSelector, 'the disruption budget selects the gateway pods');
});

t.test(
  'the gateway gets its settings from the ConfigMap and its secrets from the Secret',
  { skip },
  async (t) => {
    const config = generated('ConfigMap', 'gateway-config');
    const secret = generated('Secret', 'driftway-secrets');
    t.ok(config && secret, 'both are generated (hash-suffixed names roll the pods on change)');
    const container = find('Deployment', 'gateway')?.spec?.template?.spec.containers[0] as Container;
    t.same(container.envFrom, [{ configMapRef: { name: config?.metadata.name } }]);
    const secretKeys = Object.keys(secret?.data ?? {});
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref) continue;
      t.equal(ref.name, secret?.metadata.name, `${e.name} comes from the generated Secret`);
      t.ok(secretKeys.includes(ref.key), `the Secret has ${ref.key}`);
    }
    const known = new Set([...Object.keys(GatewayEnv.properties), 'REDIS_PASSWORD', 'MONGO_PASSWORD']);
    const names = [...Object.keys(config?.data ?? {}), ...(container.env ?? []).map((e) => e.name)];
    t.same(
      names.filter((n) => !known.has(n)),
      [],
      'no misspelt or unknown gateway variable',
    );
  },
);

t.test(
  'the Secret is the placeholder example, and its placeholders cannot start a gateway',
  { skip },
  async (t) => {
    const example = join(K8S, 'secrets.env.example');
    t.match(readFileSync(example, 'utf8'), /MUST be replaced/);
    const placeholders = envFile(example);
    t.same(decode(generated('Secret', 'driftway-secrets')?.data), placeholders);
    const settings = generated('ConfigMap', 'gateway-config')?.data ?? {};
    const env = {
      ...settings,
      ...placeholders,
      REDIS_URL: 'redis://redis:6379',
      MONGO_URL: 'mongodb://mongo',
    };
    t.throws(() => parseGatewayConfig(env), /JWT_PRIVATE_KEYS|INTERNAL_SECRET/);
    const real = {
      ...env,
      JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"x","d":"d"}]',
      INTERNAL_SECRET: 'a-real-secret-of-at-least-32-characters',
    };
    t.equal(parseGatewayConfig(real).mode, 'production', 'with real values the same settings are valid');
  },
);

t.test(
  'nginx serves the repository template through a LoadBalancer that keeps client addresses',
  { skip },
  async (t) => {
    const templates = generated('ConfigMap', 'nginx-templates');
    t.equal(templates?.data?.['default.conf.template'], readFileSync(NGINX_TEMPLATE, 'utf8'));
    const nginx = find('Deployment', 'nginx') as Resource;
    const pod = nginx.spec?.template?.spec as PodSpec;
    t.ok(
      pod.volumes?.some((v) => v.configMap?.name === templates?.metadata.name),
      'the template is mounted',
    );
    const env = Object.fromEntries((pod.containers[0]?.env ?? []).map((e) => [e.name, e]));
    for (const name of ['NGINX_PORT', 'GATEWAY_UPSTREAM', 'BODY_LIMIT_BYTES'])
      t.ok(env[name], `sets ${name}`);
    t.same(
      env.BODY_LIMIT_BYTES?.valueFrom?.configMapKeyRef,
      { name: generated('ConfigMap', 'gateway-config')?.metadata.name, key: 'BODY_LIMIT_BYTES' },
      'the body limit is the gateway setting itself',
    );
    const service = find('Service', 'nginx');
    t.equal(service?.spec?.type, 'LoadBalancer');
    t.equal(service?.spec?.externalTrafficPolicy, 'Local', 'nginx sees the client address, not a node');
  },
);

t.test(
  'network policies let only nginx reach the gateway and only the gateway reach the stores',
  { skip },
  async (t) => {
    type Policy = { ingress: { from?: { podSelector?: { matchLabels: Record<string, string> } }[] }[] };
    const sources = (name: string) =>
      ((find('NetworkPolicy', name)?.spec as Policy | undefined)?.ingress ?? []).flatMap((rule) =>
        (rule.from ?? []).flatMap((f) =>
          f.podSelector ? [f.podSelector.matchLabels['app.kubernetes.io/name']] : [],
        ),
      );
    t.same(sources('gateway'), ['nginx']);
    t.same(sources('redis'), ['gateway']);
    t.same(sources('mongo'), ['gateway']);
  },
);
