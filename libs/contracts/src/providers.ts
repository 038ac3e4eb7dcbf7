/** Provider names and the operations each one runs as a durable job. */
export const PROVIDERS = ['midjourney', 'ideogram', 'chatgpt'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const PROVIDER_OPERATIONS = {
  midjourney: ['imagine', 'video'],
  ideogram: ['remix', 'generate', 'upscale', 'remove-background', 'describe'],
  chatgpt: ['conversation'],
} as const satisfies Record<ProviderName, readonly string[]>;

export type OperationOf<P extends ProviderName> = (typeof PROVIDER_OPERATIONS)[P][number];
export type Operation = OperationOf<ProviderName>;

export function isProvider(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}
