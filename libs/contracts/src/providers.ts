import { PROVIDER_CATALOG } from '../../../provider-catalog.mjs';

/** One provider's entry in the catalog (provider-catalog.mjs, the one place a provider is registered). */
export type ProviderEntry = (typeof PROVIDER_CATALOG)[number];
export type ProviderName = ProviderEntry['name'];
export { PROVIDER_CATALOG };

/** Provider names and the operations each one runs as a durable job, from the catalog. */
export const PROVIDERS: readonly ProviderName[] = PROVIDER_CATALOG.map((p) => p.name);

export const PROVIDER_OPERATIONS = Object.fromEntries(PROVIDER_CATALOG.map((p) => [p.name, p.operations])) as {
  readonly [P in ProviderName]: Extract<ProviderEntry, { name: P }>['operations'];
};

export type OperationOf<P extends ProviderName> = (typeof PROVIDER_OPERATIONS)[P][number];
export type Operation = OperationOf<ProviderName>;

/** API key scopes: every provider's name, `*` (everything) and `admin` (key management). */
export const KEY_SCOPES: readonly string[] = ['*', 'admin', ...PROVIDERS];

export function isProvider(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

export function providerEntry<P extends ProviderName>(name: P): Extract<ProviderEntry, { name: P }> {
  return PROVIDER_CATALOG.find((p) => p.name === name) as Extract<ProviderEntry, { name: P }>;
}
