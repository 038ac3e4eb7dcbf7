import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { BrowserConfig } from '@app/browser';
import { StorageConfig } from '@app/storage';
import type { RuntimeConfig } from '../runtime/runtime.config.js';

import { envBoolean } from '@app/contracts';

export { envBoolean };
export const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * The environment every provider worker shares (NATS, Chromium, storage, logging); each worker's config class
 * extends it with its provider-prefixed variables. Validated before Nest starts.
 */
export class WorkerCommonConfig {
  @IsString() NATS_URL: string = 'nats://127.0.0.1:4222';
  /** Copies of each stream and KV bucket: 1 on one nats-server, 3 on a JetStream cluster (odd, ≤ the nodes). */
  @IsInt() @Min(1) @Max(5) NATS_REPLICAS: number = 1;
  /** Where account profiles live unless <PROVIDER>_PROFILE_DIR names one: <PROFILES_DIR>/<provider>-<account>. */
  @IsString() PROFILES_DIR: string = './data/profiles';
  @IsString() CHROME_PATH: string = '/usr/bin/chromium';
  @IsOptional() @IsString() BROWSER_WS_ENDPOINT?: string;
  @Transform(envBoolean) @IsBoolean() HEADLESS: boolean = true;
  /** Extra Chromium flags, space separated (flags often carry comma-separated values themselves). */
  @IsString() BROWSER_EXTRA_ARGS: string = '';
  @IsIn(['local', 'supabase']) STORAGE_DRIVER: 'local' | 'supabase' = 'local';
  @IsString() STORAGE_DIR: string = './data/files';
  @IsString() PUBLIC_BASE_URL: string = 'http://localhost:3000';
  @IsOptional() @IsString() FILES_SIGNING_SECRET?: string;
  @IsOptional() @IsString() SUPABASE_URL?: string;
  @IsOptional() @IsString() SUPABASE_SERVICE_ROLE_KEY?: string;
  /** The account pool (every provider): see RuntimeConfig and README "A pool of accounts". */
  @IsNumber() @Min(0) @Max(0.5) WORKER_SUBMIT_GAP_JITTER: number = 0.2;
  @IsInt() @Min(0) WORKER_DAILY_JOB_LIMIT: number = 0;
  /** UTC working hours `HH:MM-HH:MM` (end before start spans midnight); empty: always. */
  @Matches(/^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/) WORKER_WORKING_HOURS: string = '';
  @IsNumber() @Min(0.1) @Max(10) WORKER_WEIGHT: number = 1;
  @IsIn(['error', 'warn', 'log', 'debug']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' = 'log';
}

/** The pool knobs every worker shares, in RuntimeConfig's terms. */
export function poolConfigOf(config: WorkerCommonConfig): Partial<RuntimeConfig> {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const hours = config.WORKER_WORKING_HOURS;
  return {
    gapJitter: config.WORKER_SUBMIT_GAP_JITTER,
    dailyJobLimit: config.WORKER_DAILY_JOB_LIMIT,
    workingHours: hours ? { start: minutes(hours.slice(0, 5)), end: minutes(hours.slice(6, 11)) } : null,
    weight: config.WORKER_WEIGHT,
  };
}

export function storageConfigOf(config: WorkerCommonConfig): StorageConfig {
  return Object.assign(new StorageConfig(), {
    driver: config.STORAGE_DRIVER,
    localDir: config.STORAGE_DIR,
    publicBaseUrl: `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/files`,
    signingSecret: config.FILES_SIGNING_SECRET || undefined,
    supabaseUrl: config.SUPABASE_URL,
    supabaseServiceRoleKey: config.SUPABASE_SERVICE_ROLE_KEY,
  });
}

export function browserConfigOf(
  config: WorkerCommonConfig,
  account: { account: string; profileDir: string; cookiesFile?: string; timeoutMs?: number },
): BrowserConfig {
  return Object.assign(new BrowserConfig(), {
    chromePath: config.CHROME_PATH,
    wsEndpoint: config.BROWSER_WS_ENDPOINT || undefined,
    headless: config.HEADLESS,
    args: config.BROWSER_EXTRA_ARGS.split(/\s+/).filter(Boolean),
    ...account,
    cookiesFile: account.cookiesFile || undefined,
    ...(account.timeoutMs ? { timeoutMs: account.timeoutMs } : {}),
  });
}
