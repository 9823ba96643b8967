import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import { GatewayEnv, parseGatewayConfig } from '../../gateway/src/config.js';
import { parseTextConfig, TextEnv } from '../../text-channels/src/config.js';
import { parseVoiceConfig, VoiceEnv } from '../../voice-channels/src/config.js';
import { NGINX_TEMPLATE, REPO_ROOT, renderVoiceRoute } from './helpers/NginxServer.js';

const KUBECTL = '/usr/bin/kubectl';
const K8S = join(REPO_ROOT, 'k8s');

interface KeyRef {
  name: string;
  key: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
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

type PolicyPort = { port: number; endPort?: number; protocol?: string };
type PolicyPeer = { podSelector?: { matchLabels: Record<string, string> } };
type Policy = {
  policyTypes?: string[];
  ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
  egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
};
const policy = (name: string) => find('NetworkPolicy', name)?.spec as Policy | undefined;
const rules = (name: string) => policy(name)?.ingress ?? [];
const peerName = (peer: PolicyPeer) => peer.podSelector?.matchLabels['app.kubernetes.io/name'];
const sources = (name: string) =>
  rules(name).flatMap((rule) => (rule.from ?? []).flatMap((f) => (f.podSelector ? [peerName(f)] : [])));
/** `port[-endPort]/PROTOCOL` of every ingress rule of `name`'s policy that admits pods of `from`. */
const portsFrom = (name: string, from: string) =>
  rules(name)
    .filter((r) => r.from?.some((f) => peerName(f) === from))
    .flatMap((r) => (r.ports ?? []).map(portLabel));
const portLabel = (p: PolicyPort) => `${p.port}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`;

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
      'Deployment/coturn',
      'Deployment/nginx',
      'StatefulSet/gateway',
      'StatefulSet/mongo',
      'StatefulSet/redis',
      'StatefulSet/text-channels',
      'StatefulSet/voice-channels',
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
        for (const added of c.securityContext?.capabilities?.add ?? [])
          t.equal(added, 'NET_BIND_SERVICE', `${where} adds back only what the restricted level allows`);
        t.match(c.image, /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/, `${where} pins its image to a version`);
      }
    }
  },
);

const gatewaySet = () => find('StatefulSet', 'gateway') as Resource;
const gatewayContainer = () => gatewaySet().spec?.template?.spec.containers[0] as Container;

t.test('the gateway runs as a two-replica StatefulSet probed on /ready and /health', { skip }, async (t) => {
  const gateway = gatewaySet();
  t.ok(gateway, 'a StatefulSet (one pod per ordinal: the ordinal is its WORKER_ID)');
  t.notOk(find('Deployment', 'gateway'), 'no Deployment runs gateway pods beside it');
  t.equal(gateway.spec?.replicas, 2);
  const container = gatewayContainer();
  t.equal(container.startupProbe?.httpGet?.path, '/health');
  t.equal(container.readinessProbe?.httpGet?.path, '/ready');
  t.equal(container.livenessProbe?.httpGet?.path, '/health');
  t.equal(gateway.spec?.podManagementPolicy, 'Parallel', 'stateless pods scale together');
  t.same(gateway.spec?.updateStrategy, { type: 'RollingUpdate' }, 'updates roll, one pod at a time');
  const hpa = find('HorizontalPodAutoscaler', 'gateway');
  t.same(hpa?.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'gateway' });
  t.ok((hpa?.spec?.minReplicas as number) >= 2, 'autoscaling never goes below two');
  t.ok((hpa?.spec?.maxReplicas as number) <= 32, 'nor above the 32 worker ids ordinals can take');
  const podLabels = gateway.spec?.template?.metadata.labels ?? {};
  const pdbSelector = (find('PodDisruptionBudget', 'gateway')?.spec?.selector as { matchLabels: object })
    .matchLabels;
  t.has(podLabels, pdbSelector, 'the disruption budget selects the gateway pods');
  t.has(podLabels, find('Service', 'gateway')?.spec?.selector as object, 'the Service selects them');
  t.has(podLabels, (gateway.spec?.selector as { matchLabels: object }).matchLabels);
  const governing = find('Service', gateway.spec?.serviceName as string);
  t.equal(governing?.spec?.clusterIP, 'None', 'the governing Service is headless');
  t.has(podLabels, governing?.spec?.selector as object);
  // Its own policy, and every policy that admits the gateway (text-channels, Redis, MongoDB).
  t.has(podLabels, (policy('gateway') as { podSelector: { matchLabels: object } }).podSelector.matchLabels);
  const admitting = resources
    .filter((r) => r.kind === 'NetworkPolicy')
    .filter((r) => rules(r.metadata.name).some((rule) => rule.from?.some((f) => peerName(f) === 'gateway')));
  t.same(admitting.map((r) => r.metadata.name).sort(), ['mongo', 'redis', 'text-channels']);
  for (const r of admitting)
    for (const rule of rules(r.metadata.name))
      for (const peer of rule.from ?? [])
        if (peerName(peer) === 'gateway')
          t.has(podLabels, peer.podSelector?.matchLabels as object, `${r.metadata.name} admits the pods`);
});

t.test(
  'the gateway gets its settings from the ConfigMap and its secrets from the Secret',
  { skip },
  async (t) => {
    const config = generated('ConfigMap', 'gateway-config');
    const secret = generated('Secret', 'driftway-secrets');
    t.ok(config && secret, 'both are generated (hash-suffixed names roll the pods on change)');
    const container = gatewayContainer();
    t.same(container.envFrom, [{ configMapRef: { name: config?.metadata.name } }]);
    const secretKeys = Object.keys(secret?.data ?? {});
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref) continue;
      t.equal(ref.name, secret?.metadata.name, `${e.name} comes from the generated Secret`);
      t.ok(secretKeys.includes(ref.key), `the Secret has ${ref.key}`);
    }
    const known = new Set([
      ...Object.keys(GatewayEnv.properties),
      'POD_NAME',
      'REDIS_PASSWORD',
      'MONGO_PASSWORD',
    ]);
    const names = [...Object.keys(config?.data ?? {}), ...(container.env ?? []).map((e) => e.name)];
    t.same(
      names.filter((n) => !known.has(n)),
      [],
      'no misspelt or unknown gateway variable',
    );
    t.notOk(names.includes('WORKER_ID'), 'WORKER_ID comes from the pod name only (one value for all pods)');
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
    for (const name of [
      'NGINX_PORT',
      'GATEWAY_UPSTREAM',
      'BODY_LIMIT_BYTES',
      'NGINX_RESOLVER',
      'VOICE_INSTANCE_SUFFIX',
      'VOICE_UPSTREAM_PORT',
    ])
      t.ok(env[name], `sets ${name}`);
    t.same(
      env.VOICE_UPSTREAM_PORT?.valueFrom?.configMapKeyRef,
      { name: generated('ConfigMap', 'voice-channels-config')?.metadata.name, key: 'VOICE_PORT' },
      'the voice port is voice-channels’ own setting',
    );
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
  'network policies admit only the pods each service needs: nginx → gateway ⇄ text-channels ⇄ voice → stores',
  { skip },
  async (t) => {
    // text-channels fetches the JWKS from the gateway.
    t.same(sources('gateway'), ['nginx', 'text-channels']);
    t.same(sources('text-channels'), ['gateway', 'voice-channels']);
    t.same(sources('redis'), ['gateway', 'text-channels', 'voice-channels']);
    t.same(sources('mongo'), ['gateway', 'text-channels'], 'voice-channels keeps nothing in MongoDB');
    t.same(sources('voice-channels'), ['nginx', 'text-channels', 'coturn']);

    // The gateway may open both of text-channels' listeners, and nothing else there.
    const pod = find('StatefulSet', 'text-channels')?.spec?.template?.spec as PodSpec;
    const containerPorts = (pod.containers[0]?.ports ?? []).map((p) => p.containerPort).sort();
    const fromGateway = rules('text-channels').filter((r) =>
      r.from?.some((f) => f.podSelector?.matchLabels['app.kubernetes.io/name'] === 'gateway'),
    );
    t.same(fromGateway.flatMap((r) => (r.ports ?? []).map((p) => p.port)).sort(), containerPorts);
    t.ok(
      rules('text-channels').every((r) => r.from && r.from.length > 0),
      'no rule admits every source',
    );
    // voice-channels calls text-channels' REST port (service calls, forwarded moderator requests).
    const restPort = pod.containers[0]?.ports?.find((p) => p.name === 'http')?.containerPort;
    t.same(portsFrom('text-channels', 'voice-channels'), [`${restPort}/TCP`], 'voice → text REST only');
    t.ok(
      rules('voice-channels').every((r) => r.from && r.from.length > 0),
      'no rule admits every source to a voice pod',
    );
  },
);

/** A container's port number by name (probes and Services name ports). */
const portNumber = (container: Container, port: string | number | undefined) =>
  typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
const textChannels = () => find('StatefulSet', 'text-channels') as Resource;
const textContainer = () => textChannels().spec?.template?.spec.containers[0] as Container;
const asWebSocket = (publicUrl: string) => `${publicUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/gateway`;

/**
 * The `$(NAME)` references kubelet expands in env values, command and args: a defined name is
 * replaced, `$$` is a literal `$`, anything else (shell syntax like `$((…))`) is left as it is.
 */
const kubeExpand = (input: string, vars: Record<string, string>) =>
  input.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : name !== undefined && Object.hasOwn(vars, name) ? (vars[name] as string) : match,
  );

/** The environment kubelet gives the text-channels container in the pod with this name. */
function textPodEnv(podName: string, secretOverrides: Record<string, string> = {}) {
  return podEnv(textContainer(), { name: podName, ip: '10.1.0.1' }, secretOverrides);
}

/** The environment kubelet gives `container` in the pod with this name and address. */
function podEnv(
  container: Container,
  pod: { name: string; ip: string },
  secretOverrides: Record<string, string> = {},
) {
  const configMaps = (name: string) =>
    resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name === name);
  const secret = { ...decode(generated('Secret', 'driftway-secrets')?.data), ...secretOverrides };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? [])
    Object.assign(env, from.configMapRef ? configMaps(from.configMapRef.name)?.data : {});
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (e.value !== undefined) env[e.name] = kubeExpand(e.value, env);
    else if (from?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else if (from?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = pod.ip;
    else if (from?.configMapKeyRef)
      env[e.name] = configMaps(from.configMapKeyRef.name)?.data?.[from.configMapKeyRef.key] as string;
    else if (from?.secretKeyRef) env[e.name] = secret[from.secretKeyRef.key] as string;
  }
  return env;
}

/** What text-channels itself would have started with in the pod with this name. */
function startTextPod(t: Test, podName: string, secretOverrides: Record<string, string> = {}) {
  return startContainer(t, textContainer(), textPodEnv(podName, secretOverrides));
}

/**
 * Runs the container's command and args as kubelet would, with `node` replaced by a stub that
 * reports its arguments and environment: what the service itself would have started with.
 */
function startContainer(t: Test, container: Container, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'driftway-k8s-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stub = join(dir, 'node');
  writeFileSync(
    stub,
    `#!/bin/sh\nexec "${process.execPath}" -e 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), env: process.env }))' -- "$@"\n`,
  );
  chmodSync(stub, 0o755);
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => kubeExpand(a, env));
  const result = spawnSync(argv[0] as string, argv.slice(1), {
    env: { ...env, PATH: `${dir}:/usr/bin:/bin` },
    encoding: 'utf8',
  });
  const started =
    result.status === 0
      ? (JSON.parse(result.stdout) as { argv: string[]; env: Record<string, string> })
      : null;
  return { status: result.status, stderr: result.stderr, started };
}

const realSecrets = { INTERNAL_SECRET: 'a-real-secret-of-at-least-32-characters' };

t.test(
  'text-channels runs as a two-replica StatefulSet probed on its REST /ready and /health',
  { skip },
  async (t) => {
    const statefulSet = textChannels();
    t.equal(statefulSet.spec?.replicas, 2);
    const container = textContainer();
    const config = parseTextConfig({ ...textPodEnv('text-channels-0'), ...realSecrets });
    for (const [probe, path] of [
      ['startupProbe', '/health'],
      ['livenessProbe', '/health'],
      ['readinessProbe', '/ready'],
    ] as const) {
      t.equal(container[probe]?.httpGet?.path, path, `${probe} asks ${path}`);
      t.equal(portNumber(container, container[probe]?.httpGet?.port), config.httpPort, `${probe} uses REST`);
    }
    t.same(
      (container.ports ?? []).map((p) => p.containerPort).sort(),
      [config.httpPort, config.wsPort].sort(),
      'both listeners are declared',
    );

    const podLabels = statefulSet.spec?.template?.metadata.labels ?? {};
    const pdb = find('PodDisruptionBudget', 'text-channels');
    t.has(
      podLabels,
      (pdb?.spec?.selector as { matchLabels: object }).matchLabels,
      'the PDB selects the pods',
    );
    const governing = find('Service', statefulSet.spec?.serviceName as string);
    t.equal(governing?.spec?.clusterIP, 'None', 'the governing Service is headless');
    t.has(podLabels, governing?.spec?.selector as object);

    const hpa = find('HorizontalPodAutoscaler', 'text-channels');
    t.same(hpa?.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'text-channels' });
    t.ok((hpa?.spec?.minReplicas as number) >= 2, 'autoscaling never goes below two');
    t.ok((hpa?.spec?.maxReplicas as number) <= 31, 'nor above the 31 worker ids ordinals can take');
  },
);

t.test(
  'each text-channels pod starts with its own worker id and instance id, derived from its ordinal',
  { skip },
  async (t) => {
    const seen = new Set<number>();
    for (const ordinal of [0, 1, 2, 9]) {
      const pod = `text-channels-${ordinal}`;
      const { status, stderr, started } = startTextPod(t, pod, realSecrets);
      t.equal(status, 0, stderr);
      t.same(started?.argv, ['text-channels/dist/main.js'], 'runs the image’s entry point');
      const config = parseTextConfig(started?.env ?? {});
      t.equal(config.workerId, ordinal + 1, `${pod} has worker id ${ordinal + 1} (0 is the gateway’s)`);
      t.equal(config.instanceId, pod);
      seen.add(config.workerId);
      t.equal(config.mode, 'production');
      t.equal(config.host, '0.0.0.0');
      t.same(config.bus, { kind: 'redis', url: `redis://:REPLACE_ME@redis:6379` }, 'passwords expanded');
      t.equal(config.storage.kind, 'mongo');
    }
    t.equal(seen.size, 4);
    // Ordinal 31 would reuse no id but cannot be encoded: it stops at start, naming the variable.
    const beyond = startTextPod(t, 'text-channels-31', realSecrets);
    t.throws(() => parseTextConfig(beyond.started?.env ?? {}), /WORKER_ID/);
    const unnamed = startTextPod(t, 'text-channels', realSecrets);
    t.equal(unnamed.status, 78, 'a pod name without an ordinal stops the container');
    t.match(unnamed.stderr, /no StatefulSet ordinal/);
  },
);

const gatewaySecrets = {
  ...realSecrets,
  JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"x","d":"d"}]',
};
/** What the gateway itself would have started with in the pod with this name. */
const startGatewayPod = (t: Test, podName: string, extraEnv: Record<string, string> = {}) =>
  startContainer(t, gatewayContainer(), {
    ...podEnv(gatewayContainer(), { name: podName, ip: '10.0.0.1' }, gatewaySecrets),
    ...extraEnv,
  });
/** The image's CMD, which the StatefulSet's command must end by exec-ing. */
const gatewayImageCmd = () => {
  const line = readFileSync(join(REPO_ROOT, 'gateway', 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CMD '));
  return JSON.parse(line?.slice(4) ?? '[]') as string[];
};

t.test(
  'each gateway pod starts with its own worker id, its ordinal: no two gateway pods can share one',
  { skip },
  async (t) => {
    const statefulSet = gatewaySet();
    const hpa = find('HorizontalPodAutoscaler', 'gateway');
    const maxReplicas = hpa?.spec?.maxReplicas as number;
    // Which ordinals can exist: 0..replicas-1, the replicas never above the HPA's maximum, which
    // stays within the 32 values of WORKER_ID's 5 bits.
    t.notOk(statefulSet.spec?.ordinals, 'ordinals start at 0');
    t.ok((statefulSet.spec?.replicas as number) <= maxReplicas);
    t.ok(maxReplicas <= 32, `maxReplicas ${maxReplicas} ≤ 32`);
    // Only this StatefulSet runs gateway pods (a Deployment's would all mint with the default 0).
    t.same(
      workloads
        .filter((w) => w.spec?.template?.metadata.labels['app.kubernetes.io/name'] === 'gateway')
        .map((w) => `${w.kind}/${w.metadata.name}`),
      ['StatefulSet/gateway'],
    );

    const [node, ...entry] = gatewayImageCmd();
    t.equal(node, 'node');
    const script = (gatewayContainer().args ?? []).join('\n').trim().split('\n');
    t.equal(script.at(-1)?.trim(), `exec ${gatewayImageCmd().join(' ')}`, 'execs the image’s CMD');
    const seen = new Map<number, string>();
    // Every ordinal a StatefulSet of up to 32 pods can have, so a higher maxReplicas (up to 32)
    // stays covered too.
    const WORKER_IDS = 32;
    for (let ordinal = 0; ordinal < WORKER_IDS; ordinal++) {
      const pod = `gateway-${ordinal}`;
      const { status, stderr, started } = startGatewayPod(t, pod);
      t.equal(status, 0, stderr);
      t.same(started?.argv, entry, `${pod} runs the image’s entry point`);
      // The gateway's own start-up validation accepts it.
      const config = parseGatewayConfig(started?.env ?? {});
      t.equal(config.workerId, ordinal, `${pod} has worker id ${ordinal}`);
      t.ok(config.workerId >= 0 && config.workerId <= 31, 'within the 5 bits');
      if (seen.has(config.workerId)) t.fail(`${pod} and ${seen.get(config.workerId)} share a worker id`);
      seen.set(config.workerId, pod);
      if (ordinal === 0) {
        t.equal(config.mode, 'production');
        t.equal(config.host, '0.0.0.0');
        t.same(config.bus, { kind: 'redis', url: 'redis://:REPLACE_ME@redis:6379' }, 'passwords expanded');
        t.equal(config.storage.kind, 'mongo');
      }
    }
    t.equal(seen.size, WORKER_IDS, 'one distinct worker id per ordinal');
    for (let ordinal = 0; ordinal < maxReplicas; ordinal++)
      t.ok(seen.has(ordinal), `the autoscaler's pod gateway-${ordinal} has its own worker id`);

    // A WORKER_ID reaching the container another way (an overlay's ConfigMap) cannot give two pods
    // the same one: the ordinal wins.
    const overridden = startGatewayPod(t, 'gateway-5', { WORKER_ID: '0' });
    t.equal(parseGatewayConfig(overridden.started?.env ?? {}).workerId, 5, 'the ordinal wins');
    // Ordinal 32 cannot be encoded: it stops at start, naming the variable.
    const beyond = startGatewayPod(t, 'gateway-32');
    t.equal(beyond.status, 0, beyond.stderr);
    t.throws(() => parseGatewayConfig(beyond.started?.env ?? {}), /WORKER_ID/);
    const unnamed = startGatewayPod(t, 'gateway');
    t.equal(unnamed.status, 78, 'a pod name without an ordinal stops the container');
    t.match(unnamed.stderr, /no StatefulSet ordinal/);
  },
);

t.test(
  'text-channels gets its settings from its ConfigMap and the gateway’s, and only the secrets it needs',
  { skip },
  async (t) => {
    const config = generated('ConfigMap', 'text-channels-config');
    const gatewayConfig = generated('ConfigMap', 'gateway-config');
    const secret = generated('Secret', 'driftway-secrets');
    t.ok(config, 'generated (a hash-suffixed name rolls the pods on change)');
    const container = textContainer();
    t.same(container.envFrom, [{ configMapRef: { name: config?.metadata.name } }]);
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
      if (!ref) continue;
      const source = e.valueFrom?.secretKeyRef ? secret : gatewayConfig;
      t.equal(ref.name, source?.metadata.name, `${e.name} comes from ${source?.metadata.name}`);
      t.ok(Object.keys(source?.data ?? {}).includes(ref.key), `which has ${ref.key}`);
    }
    const secretKeys = (container.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef?.key ?? []);
    t.notOk(secretKeys.includes('JWT_PRIVATE_KEYS'), 'never sees the signing keys');

    const known = new Set([
      ...Object.keys(TextEnv.properties),
      'POD_NAME',
      'REDIS_PASSWORD',
      'MONGO_PASSWORD',
    ]);
    const names = [...Object.keys(config?.data ?? {}), ...(container.env ?? []).map((e) => e.name)];
    t.same(
      names.filter((n) => !known.has(n)),
      [],
      'no misspelt or unknown text-channels variable',
    );
    const env = textPodEnv('text-channels-0');
    for (const shared of ['MONGO_DB', 'BODY_LIMIT_BYTES', 'MODE', 'STORAGE', 'BUS'])
      t.equal(env[shared], gatewayConfig?.data?.[shared], `the gateway’s ${shared}`);
    // With the placeholder Secret it stops at start, naming the variable.
    t.throws(() => parseTextConfig(env), /INTERNAL_SECRET/);
  },
);

t.test(
  'the gateway reaches text-channels’ two listeners through its Service, and text-channels the JWKS',
  { skip },
  async (t) => {
    const gateway = parseGatewayConfig({
      ...generated('ConfigMap', 'gateway-config')?.data,
      JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"x","d":"d"}]',
      INTERNAL_SECRET: realSecrets.INTERNAL_SECRET,
      REDIS_URL: 'redis://redis:6379',
      MONGO_URL: 'mongodb://mongo',
    });
    const text = parseTextConfig({ ...textPodEnv('text-channels-0'), ...realSecrets });
    const service = find('Service', 'text-channels');
    type ServicePort = { name: string; port: number; targetPort: string | number };
    const ports = (service?.spec?.ports ?? []) as ServicePort[];
    const servicePort = (containerPort: number) =>
      ports.find((p) => portNumber(textContainer(), p.targetPort) === containerPort)?.port;
    t.same(gateway.upstreams.text, [`http://text-channels:${servicePort(text.httpPort)}`], 'REST');
    t.same(gateway.textGatewayUpstreams, [`http://text-channels:${servicePort(text.wsPort)}`], 'WebSockets');
    t.has(textChannels().spec?.template?.metadata.labels, service?.spec?.selector as object);

    const jwks = new URL(text.jwt.jwksUrl);
    t.equal(jwks.pathname, '/.well-known/jwks.json');
    const gatewayService = find('Service', jwks.hostname);
    t.equal(gatewayService?.metadata.labels?.['app.kubernetes.io/name'], 'gateway', 'the gateway Service');
    t.ok(
      (gatewayService?.spec?.ports as ServicePort[]).some((p) => p.port === Number(jwks.port)),
      'on a port it serves',
    );
    t.equal(text.publicGatewayUrl, asWebSocket(gateway.publicUrl), 'bots are sent to the public /gateway');
  },
);

const voiceChannels = () => find('StatefulSet', 'voice-channels') as Resource;
const voiceContainer = () => voiceChannels().spec?.template?.spec.containers[0] as Container;
const voiceSecrets = { ...realSecrets, TURN_SECRET: 'a-real-turn-secret-0123456789' };
/** The configuration a voice-channels pod starts with (the image's CMD runs as is: no prelude). */
const voicePod = (name: string, ip: string) =>
  parseVoiceConfig(podEnv(voiceContainer(), { name, ip }, voiceSecrets));
const coturnContainer = () => find('Deployment', 'coturn')?.spec?.template?.spec.containers[0] as Container;

t.test(
  'voice-channels runs as a StatefulSet: each pod is its own instance with its own endpoint',
  { skip },
  async (t) => {
    const statefulSet = voiceChannels();
    t.ok((statefulSet.spec?.replicas as number) >= 2);
    const container = voiceContainer();
    t.notOk(container.command, 'runs the image’s own command: everything comes from the pod’s env');
    const pods = [
      { name: 'voice-channels-0', ip: '10.2.0.10' },
      { name: 'voice-channels-1', ip: '10.2.0.11' },
    ];
    const baseUrl = generated('ConfigMap', 'voice-channels-config')?.data?.VOICE_PUBLIC_BASE_URL;
    for (const pod of pods) {
      const config = voicePod(pod.name, pod.ip);
      t.equal(config.instanceId, pod.name, 'INSTANCE_ID is the pod name');
      t.equal(config.publicUrl, `${baseUrl}/${pod.name}`, 'clients are sent to /voice/<pod>');
      const internal = new URL(config.internalUrl);
      t.equal(internal.hostname, pod.ip, 'text-channels calls the pod itself, draining or not');
      t.equal(Number(internal.port), config.port);
      t.same(config.rtc.announcedIps, [pod.ip], 'ICE candidates carry the pod address (coturn reaches it)');
      t.equal(config.mode, 'production');
      t.equal(config.host, '0.0.0.0');
      t.equal(config.redisUrl, 'redis://:REPLACE_ME@redis:6379', 'the Redis registry, password expanded');
      t.equal(config.textInternalUrl, 'http://text-channels:8081');
      t.ok(config.turn && config.turn.urls.length > 0, 'clients get TURN');
      t.equal(config.turn?.secret, voiceSecrets.TURN_SECRET);
      t.ok(config.dspWorkers >= 1, 'an explicit noise-suppression pool size');
      t.ok(config.rtc.minPort !== null && config.rtc.maxPort !== null, 'a fixed media port range');
    }
    const gateway = parseGatewayConfig({
      ...generated('ConfigMap', 'gateway-config')?.data,
      JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"x","d":"d"}]',
      ...realSecrets,
      REDIS_URL: 'redis://redis:6379',
      MONGO_URL: 'mongodb://mongo',
    });
    const publicUrl = new URL(gateway.publicUrl);
    const voiceBase = new URL(baseUrl ?? '');
    t.equal(voiceBase.host, publicUrl.host, 'voice endpoints are on the public host');
    t.equal(voiceBase.protocol, publicUrl.protocol === 'https:' ? 'wss:' : 'ws:');
    t.same(gateway.upstreams.voice, [], 'the gateway balances no voice pool (tokens are per instance)');

    const config = voicePod('voice-channels-0', '10.2.0.10');
    for (const [probe, path] of [
      ['startupProbe', '/health'],
      ['livenessProbe', '/health'],
      ['readinessProbe', '/ready'],
    ] as const) {
      t.equal(container[probe]?.httpGet?.path, path, `${probe} asks ${path}`);
      t.equal(portNumber(container, container[probe]?.httpGet?.port), config.port);
    }
    const podLabels = statefulSet.spec?.template?.metadata.labels ?? {};
    t.has(
      podLabels,
      (find('PodDisruptionBudget', 'voice-channels')?.spec?.selector as { matchLabels: object }).matchLabels,
    );
    const governing = find('Service', statefulSet.spec?.serviceName as string);
    t.equal(governing?.spec?.clusterIP, 'None', 'the governing Service is headless (per-pod DNS names)');
    t.has(podLabels, governing?.spec?.selector as object);
    const hpa = find('HorizontalPodAutoscaler', 'voice-channels');
    t.same(hpa?.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'voice-channels' });
  },
);

t.test('nginx routes each voice pod’s public path to that pod’s DNS name and port', { skip }, async (t) => {
  const nginx = find('Deployment', 'nginx')?.spec?.template?.spec.containers[0] as Container;
  const env = podEnv(nginx, { name: 'nginx-0', ip: '10.3.0.1' });
  const voiceRoute = renderVoiceRoute(env);
  t.ok(voiceRoute, 'the template has the per-instance voice route');
  const route = voiceRoute?.route ?? /$^/;
  const target = voiceRoute?.target ?? '';
  const statefulSet = voiceChannels();
  const namespace = statefulSet.metadata.namespace;
  for (const ordinal of [0, 1, 9]) {
    const podName = `voice-channels-${ordinal}`;
    const config = voicePod(podName, '10.2.0.10');
    const path = new URL(config.publicUrl).pathname;
    const instance = route.exec(path)?.groups?.voice_instance;
    t.equal(instance, podName, `${path} is routed to ${podName}`);
    const upstream = target.replace('$voice_instance', instance ?? '').replace('$is_args$args', '');
    t.equal(
      upstream,
      `http://${podName}.${statefulSet.spec?.serviceName}.${namespace}.svc.cluster.local:${config.port}/voice`,
      'its headless-Service DNS name (fully qualified: nginx uses no search domains), its port, /voice',
    );
  }
  t.equal(env.NGINX_RESOLVER, 'kube-dns.kube-system.svc.cluster.local', 'the cluster DNS resolves it');
});

t.test(
  'voice-channels gets only the settings and secrets it reads, and stops on the placeholder Secret',
  { skip },
  async (t) => {
    const config = generated('ConfigMap', 'voice-channels-config');
    const secret = generated('Secret', 'driftway-secrets');
    const container = voiceContainer();
    t.same(container.envFrom, [{ configMapRef: { name: config?.metadata.name } }]);
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref) continue;
      t.equal(ref.name, secret?.metadata.name, `${e.name} comes from the generated Secret`);
      t.ok(Object.keys(secret?.data ?? {}).includes(ref.key), `which has ${ref.key}`);
    }
    const secretKeys = (container.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef?.key ?? []);
    t.same(secretKeys.sort(), ['INTERNAL_SECRET', 'REDIS_PASSWORD', 'TURN_SECRET']);
    const known = new Set([
      ...Object.keys(VoiceEnv.properties),
      'POD_NAME',
      'POD_IP',
      'REDIS_PASSWORD',
      'VOICE_PUBLIC_BASE_URL',
    ]);
    const names = [...Object.keys(config?.data ?? {}), ...(container.env ?? []).map((e) => e.name)];
    t.same(
      names.filter((n) => !known.has(n)),
      [],
      'no misspelt or unknown voice-channels variable',
    );
    t.throws(
      () => parseVoiceConfig(podEnv(container, { name: 'voice-channels-0', ip: '10.2.0.10' })),
      /INTERNAL_SECRET|TURN_SECRET/,
      'the placeholders stop it at start, naming the variable',
    );
  },
);

t.test(
  'coturn checks the credentials voice-channels signs, and relays between clients and voice pods only',
  { skip },
  async (t) => {
    const coturn = coturnContainer();
    const voice = voiceContainer();
    const secretKey = (c: Container) =>
      c.env?.find((e) => e.name === 'TURN_SECRET')?.valueFrom?.secretKeyRef?.key;
    t.equal(secretKey(coturn), 'TURN_SECRET');
    t.equal(secretKey(coturn), secretKey(voice), 'one TURN secret for both');
    const env = podEnv(coturn, { name: 'coturn-x', ip: '10.4.0.1' });
    const args = (coturn.args ?? []).map((a) => kubeExpand(a, env));
    for (const flag of [
      '--use-auth-secret',
      '--no-cli',
      '--no-rfc5780',
      '--no-tcp-relay',
      '--no-multicast-peers',
    ])
      t.ok(args.includes(flag), flag);
    t.notOk(
      [...(coturn.command ?? []), ...args].some(
        (a) => a.includes('static-auth-secret=') && !a.includes('%s'),
      ),
      'the secret is never on the command line',
    );
    const option = (name: string) =>
      args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.split('=')[1]);
    t.same(option('denied-peer-ip'), [
      '0.0.0.0-255.255.255.255',
      '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
    t.same(option('allowed-peer-ip'), [env.TURN_ALLOWED_PEER_IP], 'only the pod network is allowed');
    t.match(env.TURN_ALLOWED_PEER_IP, /^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/);

    // The relay range coturn uses is the one the voice pods may send to, and it may send only to
    // the voice pods' media range.
    const relay = `${option('min-port')[0]}-${option('max-port')[0]}/UDP`;
    t.same(portsFrom('coturn', 'voice-channels'), [relay], 'voice pods reach the relay ports');
    const config = voicePod('voice-channels-0', '10.2.0.10');
    const media = `${config.rtc.minPort}-${config.rtc.maxPort}/UDP`;
    t.same(portsFrom('voice-channels', 'coturn'), [media], 'coturn reaches the voice media ports');
    const egress = policy('coturn')?.egress ?? [];
    t.ok(policy('coturn')?.policyTypes?.includes('Egress'), 'coturn’s egress is restricted');
    t.same(
      egress.flatMap((r) => (r.to ?? []).map(peerName)),
      ['voice-channels'],
      'it sends only to voice pods',
    );
    t.same(
      egress.flatMap((r) => (r.ports ?? []).map(portLabel)),
      [media],
    );

    // Clients reach it through a LoadBalancer on the port voice-channels tells them.
    const listening = Number(option('listening-port')[0]);
    const service = find('Service', 'coturn');
    t.equal(service?.spec?.type, 'LoadBalancer');
    t.equal(service?.spec?.externalTrafficPolicy, 'Local', 'coturn sees the client address');
    type ServicePort = { port: number; targetPort: string; protocol: string };
    const ports = (service?.spec?.ports ?? []) as ServicePort[];
    t.same(ports.map((p) => `${p.port}/${p.protocol}`).sort(), [`${listening}/TCP`, `${listening}/UDP`]);
    for (const p of ports) {
      const target = coturn.ports?.find((c) => c.name === p.targetPort);
      t.equal(target?.containerPort, listening);
      t.equal(target?.protocol ?? 'TCP', p.protocol);
    }
    for (const url of config.turn?.urls ?? [])
      t.match(url, new RegExp(`:${listening}\\?transport=(udp|tcp)$`));
    t.ok(
      (policy('coturn')?.ingress ?? []).some(
        (r) =>
          !r.from && (r.ports ?? []).map(portLabel).sort().join() === `${listening}/TCP,${listening}/UDP`,
      ),
      'anyone may speak TURN to it, on that port only',
    );
  },
);
