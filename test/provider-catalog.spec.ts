import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { KEY_SCOPES, PROVIDER_OPERATIONS, PROVIDERS } from '@app/contracts';
import { runtimeKnobVariables } from '@app/provider-adapter';
import { GatewayConfig, providerBuckets } from '../apps/gateway/src/config/gateway.config.js';
import { simulatorPort } from '../apps/simulator/src/config/simulator.config.js';
import { PROVIDER_CATALOG } from '../provider-catalog.mjs';
import { APPS } from '../scripts/lib/prereqs.mjs';
import { PROVIDER_WORKERS, expandSandboxValue, sandboxEnv } from '../scripts/lib/providers.mjs';

// The catalog against the repository: every provider it registers has the app, project and variables it implies,
// and nothing outside it lists a provider it lacks.
const root = resolve(import.meta.dirname, '..');
const nestProjects = (
  JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as { projects: Record<string, any> }
).projects;

/** Every variable a config class validates (inherited ones included), with its default. */
function defaultsOf(cls: new () => object): Map<string, unknown> {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const instance = new cls() as Record<string, unknown>;
  return new Map(metas.map((m) => [m.propertyName, instance[m.propertyName]]));
}

/** The worker's config class: the one class exported by apps/<name>/src/config/<name>.config.ts. */
async function workerConfig(name: string): Promise<new () => object> {
  const module = (await import(`../apps/${name}/src/config/${name}.config.ts`)) as Record<string, unknown>;
  const classes = Object.values(module).filter((value) => typeof value === 'function');
  expect(classes, name).toHaveLength(1);
  return classes[0] as new () => object;
}

const sampleUrls = (): Record<string, any> => ({
  admin: 'http://127.0.0.1:4000',
  ...Object.fromEntries(
    PROVIDER_CATALOG.map((p) => [
      p.name,
      Object.fromEntries(Object.entries(p.simulator).map(([origin, port]) => [origin, `http://127.0.0.1:${port}`])),
    ]),
  ),
});

describe('provider catalog', () => {
  it('names each provider, variable prefix, health port and simulator port once', () => {
    const names = PROVIDER_CATALOG.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(PROVIDER_CATALOG.map((p) => p.env)).size).toBe(names.length);
    const ports = PROVIDER_CATALOG.map((p) => p.port);
    expect(new Set(ports).size).toBe(ports.length);
    const simPorts = PROVIDER_CATALOG.flatMap((p) => Object.values(p.simulator));
    expect(new Set(simPorts).size).toBe(simPorts.length);
    for (const p of PROVIDER_CATALOG) {
      expect(p.name).toMatch(/^[a-z][a-z0-9]*$/);
      expect(p.env).toMatch(/^[A-Z][A-Z0-9]*$/);
      expect(p.operations.length, p.name).toBeGreaterThan(0);
      expect(Object.keys(p.simulator), p.name).toContain('app');
    }
  });

  it('is what contracts, the key scopes and the scripts list', () => {
    const names = PROVIDER_CATALOG.map((p) => p.name);
    expect(PROVIDERS).toEqual(names);
    expect(Object.keys(PROVIDER_OPERATIONS)).toEqual(names);
    expect(KEY_SCOPES).toEqual(['*', 'admin', ...names]);
    expect(PROVIDER_WORKERS.map((w) => w.name)).toEqual(names);
    expect(PROVIDER_WORKERS.map((w) => w.port)).toEqual(PROVIDER_CATALOG.map((p) => [`${p.env}_PORT`, p.port]));
  });

  it('has an app folder, a README and a nest-cli project per provider, and no worker app outside it', () => {
    for (const { name } of PROVIDER_CATALOG) {
      for (const file of ['src/main.ts', `src/config/${name}.config.ts`, 'README.md', 'tsconfig.app.json']) {
        expect(existsSync(join(root, 'apps', name, file)), `apps/${name}/${file}`).toBe(true);
      }
      expect(nestProjects[name], name).toMatchObject({ type: 'application', root: `apps/${name}` });
    }
    const appFolders = readdirSync(join(root, 'apps')).filter((name) => name !== 'console');
    expect([...appFolders].sort()).toEqual(['gateway', 'simulator', ...PROVIDERS].sort());
    expect([...APPS].sort()).toEqual([...appFolders].sort());
  });

  it.each(PROVIDER_CATALOG.map((p) => [p.name, p] as const))(
    "matches the %s worker's own variables and defaults",
    async (_name, p) => {
      const defaults = defaultsOf(await workerConfig(p.name));
      const variable = (suffix: string) => `${p.env}_${suffix}`;
      expect(defaults.get(variable('PORT'))).toBe(p.port);
      expect(defaults.get(variable('BUCKET'))).toBe(p.bucket);
      for (const suffix of [...p.live, 'ACCOUNT', 'COOKIES_FILE', 'PROFILE_DIR']) {
        expect(defaults.has(variable(suffix)), variable(suffix)).toBe(true);
      }
      // Everything the sandbox sets is a variable the worker (or, if so marked, the gateway) reads: a typo would
      // silently do nothing.
      const sandbox = sandboxEnv(p, sampleUrls(), 0.1, { test: true });
      const gateway = defaultsOf(GatewayConfig);
      const knobs = new Set(Object.values(runtimeKnobVariables(p.name)).flat());
      for (const name of Object.keys({ ...sandbox.set, ...sandbox.defaults })) {
        const read = defaults.has(name) || knobs.has(name) || (name in sandbox.gateway && gateway.has(name));
        expect(read, name).toBe(true);
      }
    },
  );

  it('gives the gateway the sandbox variables it reads, with the same result buckets', () => {
    const gateway = defaultsOf(GatewayConfig);
    for (const p of PROVIDER_CATALOG) {
      for (const name of Object.keys(sandboxEnv(p, sampleUrls(), 0.1).gateway)) {
        expect(gateway.has(name), name).toBe(true);
      }
    }
    expect(providerBuckets({})).toEqual(PROVIDER_CATALOG.map((p) => [p.name, p.bucket]));
    const first = PROVIDER_CATALOG[0];
    expect(providerBuckets({ [`${first.env}_BUCKET`]: 'mine' })[0]).toEqual([first.name, 'mine']);
  });

  it("has the simulator imitate every provider's origins on the catalog's ports, each documented", () => {
    const envExample = readFileSync(join(root, '.env.example'), 'utf8');
    for (const p of PROVIDER_CATALOG) {
      expect(existsSync(join(root, 'apps', 'simulator', 'src', p.name, 'site.ts')), p.name).toBe(true);
      for (const [origin, port] of Object.entries(p.simulator)) {
        const variable = `SIM_${p.env}_${origin.toUpperCase()}_PORT`;
        expect(simulatorPort(p, origin, {}), variable).toBe(port);
        expect(simulatorPort(p, origin, { [variable]: '0' }), variable).toBe(0);
        expect(envExample, variable).toMatch(new RegExp(`^${variable}=`, 'm'));
      }
    }
    const first = PROVIDER_CATALOG[0];
    expect(() => simulatorPort(first, 'app', { [`SIM_${first.env}_APP_PORT`]: 'x' })).toThrow(/port number/);
  });

  it('fills sandbox values from the simulator origins and refuses an origin the provider lacks', () => {
    const site = { app: 'http://127.0.0.1:4001', cdn: 'http://127.0.0.1:4002' };
    expect(expandSandboxValue('cdn.example,{cdn.host}', site)).toBe('cdn.example,127.0.0.1:4002');
    expect(expandSandboxValue('{app}/g/x', site)).toBe('http://127.0.0.1:4001/g/x');
    expect(() => expandSandboxValue('{ws}', site)).toThrow(/no 'ws' origin/);
  });

  it('scales render times by the simulator speed, keeps set values apart from defaults', () => {
    const mj = PROVIDER_CATALOG[0];
    const env = sandboxEnv(mj, sampleUrls(), 0.5);
    expect(env.set[`${mj.env}_APP_URL`]).toBe(`http://127.0.0.1:${mj.simulator.app}`);
    const [ms, floor] = Object.values(mj.sandbox.scaled)[0];
    expect(Object.values(env.defaults)).toContain(String(Math.max(floor, Math.round(ms * 0.5))));
    expect(Object.keys(env.defaults).some((k) => k in env.set)).toBe(false);
  });
});
