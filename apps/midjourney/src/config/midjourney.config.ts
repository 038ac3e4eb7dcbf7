import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { URL_OPTIONS, WorkerCommonConfig, envBoolean } from '@app/provider-adapter';

/**
 * Environment of the Midjourney service (shared worker variables plus MIDJOURNEY_*); validated before Nest starts.
 * Pacing and polling knobs (MIDJOURNEY_MAX_RUNNING, …) are read by the shared runtimeConfigOf.
 */
export class MidjourneyConfig extends WorkerCommonConfig {
  @IsString() MIDJOURNEY_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) MIDJOURNEY_PORT: number = 3002;
  @IsUrl(URL_OPTIONS) MIDJOURNEY_APP_URL: string = 'https://www.midjourney.com';
  @IsUrl(URL_OPTIONS) MIDJOURNEY_CDN_URL: string = 'https://cdn.midjourney.com';
  /** Origin of the site's websocket (live job news); `wss://ws.<site>`. */
  @IsUrl({ ...URL_OPTIONS, protocols: ['ws', 'wss'] }) MIDJOURNEY_WS_URL: string = 'wss://ws.midjourney.com';
  /** Follow jobs over the websocket (job-status polling stays the backstop); false = polling only. */
  @Transform(envBoolean) @IsBoolean() MIDJOURNEY_SOCKET: boolean = true;
  /** While the socket brings a job's news, the gap between backstop polls. */
  @IsInt() @Min(1000) MIDJOURNEY_SOCKET_BACKSTOP_MS: number = 15_000;
  @IsString() MIDJOURNEY_PROFILE_DIR: string = '';
  @IsOptional() @IsString() MIDJOURNEY_COOKIES_FILE?: string;
  /** MJ user uuid; read from the session token when unset. */
  @IsOptional() @IsString() MIDJOURNEY_USER_ID?: string;
  @IsString() MIDJOURNEY_BUCKET: string = 'product-designs';
  /** Expected render time; 0 = by mode (fast 60 s, relax 120 s, turbo 30 s). */
  @IsInt() @Min(0) MIDJOURNEY_EXPECTED_RENDER_MS: number = 0;
  /** Allow reference images on private/loopback addresses (sandbox and tests only). */
  @Transform(envBoolean) @IsBoolean() MIDJOURNEY_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) MIDJOURNEY_MAX_IMAGE_MB: number = 20;
}
