import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { GatewayConfig } from '../apps/gateway/src/config/gateway.config.js';
import { SimulatorConfig } from '../apps/simulator/src/config/simulator.config.js';
import { RUNTIME_KNOBS } from '@app/provider-adapter';
import { PROVIDER_CATALOG } from '../provider-catalog.mjs';
import { parseEnvExample, root, withEnvList } from '../scripts/lib/env-docs.mjs';

/** Every variable a config class validates (inherited ones included). */
function variablesOf(cls: new () => object): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

/** Each provider worker's config class: the one class its src/config/<name>.config.ts exports. */
const workerConfigs = await Promise.all(
  PROVIDER_CATALOG.map(async ({ name }) => {
    const module = (await import(`../apps/${name}/src/config/${name}.config.ts`)) as Record<string, unknown>;
    return [name, Object.values(module).find((value) => typeof value === 'function') as new () => object] as const;
  }),
);

describe('environment documentation', () => {
  const documented = new Set(parseEnvExample().flatMap((s) => s.variables.map((v) => v.name)));

  it.each([['gateway', GatewayConfig], ...workerConfigs, ['simulator', SimulatorConfig]] as const)(
    'documents every variable the %s reads in .env.example',
    (_app, cls) => {
      const variables = variablesOf(cls);
      expect(variables.length).toBeGreaterThan(5);
      expect(variables.filter((name) => !documented.has(name))).toEqual([]);
    },
  );

  it('documents the runtime knobs every worker reads besides its config class (WORKER_*)', () => {
    const knobs = Object.values(RUNTIME_KNOBS).map((knob) => `WORKER_${knob.suffix}`);
    expect(knobs.length).toBeGreaterThan(5);
    expect(knobs.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('keeps the README list of variables in step with .env.example', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(withEnvList(readme)).toBe(readme);
  });
});
