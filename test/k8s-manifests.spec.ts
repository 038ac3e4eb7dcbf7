import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The Kubernetes manifests cannot run here (no cluster): this checks what the production topology promises —
// several gateways, a 3-node JetStream cluster, 3 copies of every stream, one cookies file per worker pod.
const dir = resolve(import.meta.dirname, '..', 'docker', 'k8s');
const docs = readdirSync(dir)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
      expect(doc.errors, file).toEqual([]);
      return { file, ...(doc.toJS() as { kind: string; metadata: { name: string }; spec?: any; data?: any }) };
    }),
  );
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const workers = ['midjourney', 'ideogram', 'chatgpt'];

describe('docker/k8s manifests', () => {
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

  it('has every app keep 3 copies of streams and buckets and know every NATS node', () => {
    for (const app of ['gateway', ...workers]) {
      const data = find('ConfigMap', `${app}-config`)?.data;
      expect(data?.NATS_REPLICAS, app).toBe('3');
      expect(String(data?.NATS_URL).split(','), app).toHaveLength(3);
    }
  });

  it('runs each worker as a StatefulSet whose pods take their own account cookies', () => {
    for (const app of workers) {
      const set = find('StatefulSet', app);
      expect(set, app).toBeDefined();
      const init = JSON.stringify(set?.spec.template.spec.initContainers);
      expect(init, app).toContain('/secrets/$HOSTNAME.json');
    }
  });
});
