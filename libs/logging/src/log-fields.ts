import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written inside a piece of work carries (job id, provider, account). */
export type LogFields = Record<string, string | number | undefined>;

const fields = new AsyncLocalStorage<LogFields>();

/**
 * Runs `work` with these fields added to every log line it (and whatever it awaits) writes, on top of the fields
 * of an enclosing call. Nest's Logger calls need no change: the pino mixin reads the fields.
 */
export function withLogFields<T>(extra: LogFields, work: () => T): T {
  return fields.run({ ...fields.getStore(), ...extra }, work);
}

/** The fields of the work running now (the pino mixin), without undefined ones. */
export function currentLogFields(): LogFields {
  const store = fields.getStore();
  if (!store) return {};
  return Object.fromEntries(Object.entries(store).filter(([, value]) => value !== undefined));
}
