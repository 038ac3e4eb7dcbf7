import { Transform } from 'class-transformer';
import { envBoolean, PROVIDER_CATALOG, type ProviderName } from '@app/contracts';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

const list = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/** Environment of the gateway; validated before Nest starts (errors name the variable, never its value). */
export class GatewayConfig {
  @IsInt() @Min(0) @Max(65535) GATEWAY_PORT: number = 3000;
  @IsString() NATS_URL: string = 'nats://127.0.0.1:4222';
  /** Copies of each stream and KV bucket: 1 on one nats-server, 3 on a JetStream cluster (odd, ≤ the nodes). */
  @IsInt() @Min(1) @Max(5) NATS_REPLICAS: number = 1;
  /** Postgres (Supabase's included); empty → embedded PGlite under DATA_DIR. */
  @IsOptional() @IsString() DATABASE_URL?: string;
  @IsString() DATA_DIR: string = './data';
  @IsOptional() @IsString() PUBLIC_BASE_URL?: string;
  @IsOptional() @IsString() BOOTSTRAP_API_KEY?: string;
  @IsIn(['local', 'supabase']) STORAGE_DRIVER: 'local' | 'supabase' = 'local';
  @IsString() STORAGE_DIR: string = './data/files';
  @IsOptional() @IsString() FILES_SIGNING_SECRET?: string;
  @IsOptional() @IsString() SUPABASE_URL?: string;
  @IsOptional() @IsString() SUPABASE_SERVICE_ROLE_KEY?: string;
  @IsIn(['auto', 'sql', 'supabase', 'off']) PRODUCT_DESIGN_SYNC: 'auto' | 'sql' | 'supabase' | 'off' = 'auto';
  @Transform(list) @IsString({ each: true }) MIDJOURNEY_CDN_HOSTS: string[] = ['cdn.midjourney.com'];
  @IsInt() @Min(10) MIDJOURNEY_DEADLINE_SECONDS: number = 900;
  /** Let Midjourney reference image URLs point at loopback/private hosts (sandbox and tests only; workers too). */
  @Transform(envBoolean) @IsBoolean() MIDJOURNEY_ALLOW_PRIVATE_URLS: boolean = false;
  /** How long /midjourney/genimage and /midjourney/genvideo wait for Midjourney to accept the job (n8n waits 300 s). */
  @IsInt() @Min(1) @Max(300) MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS: number = 60;
  /** Bucket for images sent as base64 on /mj/* (the Midjourney worker reads them from there). */
  @IsString() MIDJOURNEY_UPLOAD_BUCKET: string = 'midjourney-uploads';
  /** The largest image a /mj/* request body may carry (each one), MB. */
  @IsInt() @Min(1) @Max(100) MIDJOURNEY_MAX_UPLOAD_MB: number = 20;
  /** Hard deadline of an Ideogram job (the original gave up after 10 minutes). */
  @IsInt() @Min(10) IDEOGRAM_DEADLINE_SECONDS: number = 600;
  /** How long /api/upscale, /api/removebackground and /api/genimageprompt wait for the provider's submit answer. */
  @IsInt() @Min(1) @Max(300) IDEOGRAM_SUBMIT_WAIT_SECONDS: number = 60;
  /** Timeout of the Ideogram quick commands (upload fetches the caller's image first), ms. */
  @IsInt() @Min(1000) IDEOGRAM_RPC_TIMEOUT_MS: number = 60_000;
  /** Hard deadline of a ChatGPT conversation job, seconds (requests may pass timeout_seconds). */
  @IsInt() @Min(10) CHATGPT_DEADLINE_SECONDS: number = 600;
  /** How long POST /gptgen waits for the answer before answering with the job to poll. */
  @IsInt() @Min(0) @Max(600) CHATGPT_GPTGEN_WAIT_SECONDS: number = 120;
  /** The ChatGPT origin the worker drives (as the worker's variable): GPT URLs on it are accepted. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  CHATGPT_APP_URL: string = 'https://chatgpt.com';
  /** Bucket for images uploaded in request bodies (the worker reads them from there). */
  @IsString() CHATGPT_UPLOAD_BUCKET: string = 'chatgpt-uploads';
  /** How often the gateway ends overdue jobs and retries unconfirmed publishes, ms. */
  @IsInt() @Min(100) GATEWAY_SWEEP_INTERVAL_MS: number = 1000;
  /** How long past its deadline a job is left to its worker before the gateway ends it, ms. */
  @IsInt() @Min(0) GATEWAY_DEADLINE_GRACE_MS: number = 2000;
  @IsOptional() @IsString() WEBHOOK_SECRET?: string;
  /** Operator alerts: a signed webhook when a provider account turns challenged, signed out or failing. */
  @IsOptional() @IsString() ACCOUNT_ALERT_WEBHOOK_URL?: string;
  /** Wait before each webhook retry, ms, comma separated; a delivery still failing after the last is given up. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (list({ value }) as string[]).map(Number) : value,
  )
  @IsInt({ each: true })
  @Min(0, { each: true })
  WEBHOOK_RETRY_DELAYS_MS: number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
  /** Let webhooks reach loopback and private addresses: local development only (checked at submission and delivery). */
  @Transform(envBoolean) @IsBoolean() WEBHOOK_ALLOW_PRIVATE_URLS: boolean = false;
  /** How long a webhook_url's host name may take to resolve at submission (400 FORBIDDEN_HOST after), ms. */
  @IsInt() @Min(100) WEBHOOK_LOOKUP_TIMEOUT_MS: number = 2000;
  @IsInt() @Min(100) RPC_TIMEOUT_MS: number = 10_000;
  /** Body limit of every JSON route... */
  @IsInt() @Min(1024) BODY_LIMIT_BYTES: number = 256 * 1024;
  /** ...and of the routes that take base64 images in the body (POST /v1/chatgpt/conversations). */
  @IsInt() @Min(1024) IMAGE_BODY_LIMIT_BYTES: number = 32 * 1024 * 1024;
  /** The request line and headers must arrive within this, ms. */
  @IsInt() @Min(100) GATEWAY_HEADERS_TIMEOUT_MS: number = 10_000;
  /** The whole request, body included, must arrive within this, ms (408 otherwise); not less than the above. */
  @IsInt() @Min(100) GATEWAY_REQUEST_TIMEOUT_MS: number = 30_000;
  /** Browser origins allowed by CORS, comma separated; `*` for any (development); empty: no CORS. */
  @Transform(list) @IsString({ each: true }) CORS_ORIGINS: string[] = [];
  /** Defaults of the per-key limits (a key's own limits override them; admin keys take only their own). */
  @IsInt() @Min(1) KEY_REQUESTS_PER_MINUTE: number = 600;
  @IsInt() @Min(1) KEY_JOBS_PER_DAY: number = 1000;
  @IsInt() @Min(1) KEY_CONCURRENT_JOBS: number = 20;
  @IsInt() @Min(1) KEY_CONCURRENT_STREAMS: number = 20;
  /** Signs console session cookies; the same on every replica (unset: random per process, sessions end on restart). */
  @IsOptional() @IsString() SESSION_SECRET?: string;
  /** Lifetime of a console session, seconds (never past its key's expiry). */
  @IsInt() @Min(60) @Max(86_400) SESSION_TTL_SECONDS: number = 3600;
  /** The built console (npm run build writes dist/console); empty: next to the gateway's build. */
  @IsOptional() @IsString() CONSOLE_DIR?: string;
  @IsIn(['error', 'warn', 'log', 'debug']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' = 'log';
}

/**
 * The workers' result buckets, by provider: <PROVIDER>_BUCKET (the worker's own variable), else the catalog's
 * `bucket`. /files/ reads of a bucket with a key need its provider's scope. Read at boot with the rest of the config.
 */
export function providerBuckets(env: NodeJS.ProcessEnv = process.env): [ProviderName, string][] {
  return PROVIDER_CATALOG.map((p) => [p.name, env[`${p.env}_BUCKET`]?.trim() || p.bucket]);
}
