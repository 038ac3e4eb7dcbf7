import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PROVIDER_CATALOG } from '../provider-catalog.mjs';

// The Kubernetes manifests cannot run here (no cluster): this checks what the production topology promises —
// several gateways, a 3-node JetStream cluster, 3 copies of every stream, one cookies file per worker pod. Each
// provider worker is the shared base (docker/k8s/worker) under its kustomize overlay (docker/k8s/<provider>),
// rendered with `kubectl kustomize` as `kubectl apply -k` would.
type Doc = { file: string; kind: string; metadata: { name: string }; spec?: any; data?: any };
const dir = resolve(import.meta.dirname, '..', 'docker', 'k8s');
const parse = (file: string, text: string): Doc[] =>
  parseAllDocuments(text).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return { file, ...(doc.toJS() as Omit<Doc, 'file'>) };
  });
const workers = PROVIDER_CATALOG.map((p) => p.name);
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const rendered = (provider: string) =>
  parse(provider, execFileSync('kubectl', ['kustomize', join(dir, provider)], { encoding: 'utf8' }));
const docs = [
  ...readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parse(file, readFileSync(join(dir, file), 'utf8'))),
  ...(kubectl ? workers.flatMap(rendered) : []),
];
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

describe('docker/k8s manifests', () => {
  it('renders the worker overlays (kubectl kustomize)', () => {
    expect(kubectl, 'kubectl is needed to render docker/k8s/<provider> overlays').toBe(true);
  });

  it('runs the gateway with at least two replicas behind a disruption budget', () => {
    expect(find('Deployment', 'gateway')?.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(find('PodDisruptionBudget', 'gateway')?.spec.minAvailable).toBeGreaterThanOrEqual(1);
  });

  it('runs NATS as a 3-node JetStream cluster whose routes name every node', () => {
    const nats = find('StatefulSet', 'nats');
    expect(nats?.spec.replicas).toBe(3);
    const conf = find('ConfigMap', 'nats-config')?.data['nats.conf'] as string;
    expect(conf).toMatch(/jetstream\s*{/);
    for (let i = 0; i < 3; i++) expect(conf).toContain(`nats://nats-${i}.nats:6222`);
    expect(find('PodDisruptionBudget', 'nats')?.spec.maxUnavailable).toBe(1);
  });

  it('has a small kustomize overlay of the shared worker base for every provider of the catalog, and no other', () => {
    const overlays = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'worker')
      .map((entry) => entry.name);
    expect(overlays.sort()).toEqual([...workers].sort());
    expect(existsSync(join(dir, 'worker', 'kustomization.yaml'))).toBe(true);
    for (const p of PROVIDER_CATALOG) {
      const [overlay] = parse(p.name, readFileSync(join(dir, p.name, 'kustomization.yaml'), 'utf8')) as any[];
      expect(overlay.resources, p.name).toEqual(['../worker']);
      expect(overlay.images, p.name).toEqual([{ name: 'gen-worker', newName: `gen-${p.name}` }]);
      const patches = (overlay.patches as { patch: string }[]).map((x) => x.patch).join('\n');
      expect(patches, p.name).toContain(`containerPort: ${p.port}`);
      expect(patches, p.name).toContain(`name: ${p.env}_ACCOUNT`);
      expect(patches, p.name).toContain(`name: ${p.env}_COOKIES_FILE`);
      expect(patches, p.name).toContain(`secretName: ${p.name}-cookies`);
    }
  });

  it('has every app keep 3 copies of streams and buckets and know every NATS node', () => {
    for (const app of ['gateway', ...workers]) {
      const data = find('ConfigMap', `${app}-config`)?.data;
      expect(data?.NATS_REPLICAS, app).toBe('3');
      expect(String(data?.NATS_URL).split(','), app).toHaveLength(3);
    }
  });

  it('runs each worker as a StatefulSet whose pods take their own account cookies', () => {
    for (const p of PROVIDER_CATALOG) {
      const set = find('StatefulSet', p.name);
      expect(set, p.name).toBeDefined();
      const pod = set?.spec.template.spec;
      expect(JSON.stringify(pod.initContainers), p.name).toContain('/secrets/$HOSTNAME.json');
      expect(pod.volumes.find((v: any) => v.name === 'cookies').secret.secretName).toBe(`${p.name}-cookies`);
      const [container] = pod.containers;
      expect(container.image).toBe(`gen-${p.name}:latest`);
      expect(container.ports).toEqual([{ name: 'http', containerPort: p.port }]);
      const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
      expect(env[`${p.env}_ACCOUNT`].valueFrom.fieldRef.fieldPath).toBe('metadata.name');
      expect(env[`${p.env}_COOKIES_FILE`].value).toBe('/profiles/cookies.json');
      expect(set?.spec.selector.matchLabels).toEqual({ app: p.name });
      expect(pod.containers[0].envFrom).toContainEqual({ configMapRef: { name: `${p.name}-config` } });
    }
  });
});
