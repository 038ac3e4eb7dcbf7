import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

const bool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes'].includes(value.toLowerCase()) : value;
const url = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Environment of the Midjourney service; validated before Nest starts. */
export class MidjourneyConfig {
  @IsString() NATS_URL: string = 'nats://127.0.0.1:4222';
  @IsString() MIDJOURNEY_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) MIDJOURNEY_PORT: number = 3002;
  @IsUrl(url) MIDJOURNEY_APP_URL: string = 'https://www.midjourney.com';
  @IsUrl(url) MIDJOURNEY_CDN_URL: string = 'https://cdn.midjourney.com';
  @IsString() MIDJOURNEY_PROFILE_DIR: string = '';
  @IsOptional() @IsString() MIDJOURNEY_COOKIES_FILE?: string;
  /** MJ user uuid; read from the session token when unset. */
  @IsOptional() @IsString() MIDJOURNEY_USER_ID?: string;
  @IsString() CHROME_PATH: string = '/usr/bin/chromium';
  @IsOptional() @IsString() BROWSER_WS_ENDPOINT?: string;
  @Transform(bool) @IsBoolean() HEADLESS: boolean = true;
  /** Extra Chromium flags, comma separated. */
  @IsString() BROWSER_EXTRA_ARGS: string = '';
  @IsIn(['local', 'supabase']) STORAGE_DRIVER: 'local' | 'supabase' = 'local';
  @IsString() STORAGE_DIR: string = './data/files';
  @IsString() PUBLIC_BASE_URL: string = 'http://localhost:3000';
  @IsOptional() @IsString() FILES_SIGNING_SECRET?: string;
  @IsOptional() @IsString() SUPABASE_URL?: string;
  @IsOptional() @IsString() SUPABASE_SERVICE_ROLE_KEY?: string;
  @IsString() MIDJOURNEY_BUCKET: string = 'product-designs';
  @IsInt() @Min(0) MIDJOURNEY_MIN_SUBMIT_GAP_MS: number = 12_000;
  @IsInt() @Min(1) MIDJOURNEY_MAX_RUNNING: number = 3;
  @IsInt() @Min(0) MIDJOURNEY_RATE_LIMIT_PENALTY_MS: number = 30_000;
  @IsInt() @Min(50) MIDJOURNEY_POLL_MIN_MS: number = 250;
  @IsInt() @Min(100) MIDJOURNEY_POLL_MAX_MS: number = 5_000;
  @IsInt() @Min(1000) MIDJOURNEY_HEARTBEAT_MS: number = 15_000;
  @IsInt() @Min(1000) MIDJOURNEY_ACCOUNT_CHECK_INTERVAL_MS: number = 60_000;
  /** Expected render time; 0 = by mode (fast 60 s, relax 120 s, turbo 30 s). */
  @IsInt() @Min(0) MIDJOURNEY_EXPECTED_RENDER_MS: number = 0;
  /** Allow reference images on private/loopback addresses (sandbox and tests only). */
  @Transform(bool) @IsBoolean() MIDJOURNEY_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) MIDJOURNEY_MAX_IMAGE_MB: number = 20;
  @IsIn(['error', 'warn', 'log', 'debug']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' = 'log';
}
