import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ChatgptConfig } from '../apps/chatgpt/src/config/chatgpt.config.js';
import { GatewayConfig } from '../apps/gateway/src/config/gateway.config.js';
import { IdeogramConfig } from '../apps/ideogram/src/config/ideogram.config.js';
import { MidjourneyConfig } from '../apps/midjourney/src/config/midjourney.config.js';
import { SimulatorConfig } from '../apps/simulator/src/config/simulator.config.js';
// @ts-expect-error plain-JS helper of the scripts
import { parseEnvExample, root, withEnvList } from '../scripts/lib/env-docs.mjs';

/** Every variable a config class validates (inherited ones included). */
function variablesOf(cls: new () => object): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

describe('environment documentation', () => {
  const documented = new Set(
    (parseEnvExample() as Array<{ variables: Array<{ name: string }> }>).flatMap((s) => s.variables.map((v) => v.name)),
  );

  it.each([
    ['gateway', GatewayConfig],
    ['midjourney', MidjourneyConfig],
    ['ideogram', IdeogramConfig],
    ['chatgpt', ChatgptConfig],
    ['simulator', SimulatorConfig],
  ] as const)('documents every variable the %s reads in .env.example', (_app, cls) => {
    const variables = variablesOf(cls);
    expect(variables.length).toBeGreaterThan(5);
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('keeps the README list of variables in step with .env.example', () => {
    const readme = readFileSync(join(root as string, 'README.md'), 'utf8');
    expect(withEnvList(readme)).toBe(readme);
  });
});
