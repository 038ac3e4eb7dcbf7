/**
 * Our own infrastructure failed (NATS, a KV bucket, storage) — not the provider. Such a failure is never classified
 * as a provider outcome: it says nothing about whether the provider accepted a job, so it never leads to a retry
 * that could submit the job a second time.
 */
export class InfrastructureError extends Error {
  constructor(
    readonly part: 'nats' | 'kv' | 'storage',
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${part} ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'InfrastructureError';
  }
}

/** Runs one call on our infrastructure, turning whatever it throws into an InfrastructureError. */
export async function infra<T>(
  part: InfrastructureError['part'],
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof InfrastructureError) throw error;
    throw new InfrastructureError(part, operation, error);
  }
}
