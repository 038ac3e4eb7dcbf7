import { providerEntry, type ProviderName } from '@app/contracts';
import { RuntimeConfig } from '../runtime/runtime.config.js';

type Knob =
  | 'maxRunning'
  | 'minSubmitGapMs'
  | 'rateLimitPenaltyMs'
  | 'pollMinMs'
  | 'pollMaxMs'
  | 'heartbeatMs'
  | 'accountCheckIntervalMs'
  | 'ackWaitMs'
  | 'submitTimeoutMs'
  | 'queueWaitMs';

/**
 * The runtime knobs every worker has, by RuntimeConfig field: the variable suffix (`<PROVIDER>_<suffix>` for one
 * provider, `WORKER_<suffix>` for all), the smallest value, and a provider's older name still accepted.
 */
export const RUNTIME_KNOBS: Record<Knob, { suffix: string; min: number; legacy?: Partial<Record<string, string>> }> = {
  maxRunning: { suffix: 'MAX_RUNNING', min: 1 },
  minSubmitGapMs: { suffix: 'MIN_SUBMIT_GAP_MS', min: 0, legacy: { chatgpt: 'CHATGPT_MIN_SEND_GAP_MS' } },
  rateLimitPenaltyMs: { suffix: 'RATE_LIMIT_PENALTY_MS', min: 0 },
  pollMinMs: { suffix: 'POLL_MIN_MS', min: 50 },
  pollMaxMs: { suffix: 'POLL_MAX_MS', min: 100 },
  heartbeatMs: { suffix: 'HEARTBEAT_MS', min: 1000 },
  accountCheckIntervalMs: { suffix: 'ACCOUNT_CHECK_INTERVAL_MS', min: 1000 },
  ackWaitMs: { suffix: 'ACK_WAIT_MS', min: 3000 },
  submitTimeoutMs: { suffix: 'SUBMIT_TIMEOUT_MS', min: 5000 },
  queueWaitMs: {
    suffix: 'QUEUE_WAIT_MS',
    min: 100,
    legacy: { ideogram: 'IDEOGRAM_INFLIGHT_WAIT_MS', chatgpt: 'CHATGPT_BUSY_RETRY_MS' },
  },
};

/** The variables that set a provider's knobs, strongest first: its older name, `<PROVIDER>_…`, `WORKER_…`. */
export function runtimeKnobVariables(provider: ProviderName): Record<Knob, string[]> {
  const { env } = providerEntry(provider);
  return Object.fromEntries(
    Object.entries(RUNTIME_KNOBS).map(([field, knob]) => [
      field,
      [knob.legacy?.[provider], `${env}_${knob.suffix}`, `WORKER_${knob.suffix}`].filter((v) => v !== undefined),
    ]),
  ) as Record<Knob, string[]>;
}

/**
 * One account's runtime config: the catalog's pacing for the provider over RuntimeConfig's defaults, then the
 * environment (see runtimeKnobVariables). Read once here for every worker; a bad value fails the start the way
 * loadConfig does, naming the variable and never its value.
 */
export function runtimeConfigOf(
  provider: ProviderName,
  account: string,
  env: NodeJS.ProcessEnv = process.env,
): RuntimeConfig {
  const runtime: RuntimeConfig = Object.assign(new RuntimeConfig(), providerEntry(provider).pacing, {
    provider,
    account,
  });
  const problems: string[] = [];
  for (const [field, names] of Object.entries(runtimeKnobVariables(provider)) as [Knob, string[]][]) {
    const name = names.find((n) => env[n] !== undefined && env[n]?.trim() !== '');
    if (!name) continue;
    const value = Number(env[name]);
    const { min } = RUNTIME_KNOBS[field];
    if (Number.isInteger(value) && value >= min) runtime[field] = value;
    else problems.push(`  ${name}: must be a whole number not less than ${min}`);
  }
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  return runtime;
}
