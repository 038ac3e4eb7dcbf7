import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { URL_OPTIONS, WorkerCommonConfig, envBoolean } from '@app/provider-adapter';

/**
 * Environment of the Ideogram service (shared worker variables plus IDEOGRAM_*); validated before Nest starts.
 * Pacing and polling knobs (IDEOGRAM_MAX_RUNNING, IDEOGRAM_QUEUE_WAIT_MS, …) are read by the shared runtimeConfigOf.
 */
export class IdeogramConfig extends WorkerCommonConfig {
  @IsString() IDEOGRAM_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) IDEOGRAM_PORT: number = 3003;
  @IsUrl(URL_OPTIONS) IDEOGRAM_APP_URL: string = 'https://ideogram.ai';
  @IsString() IDEOGRAM_PROFILE_DIR: string = '';
  @IsOptional() @IsString() IDEOGRAM_COOKIES_FILE?: string;
  /** Account ids; read from the signed-in session when unset. */
  @IsOptional() @IsString() IDEOGRAM_USER_ID?: string;
  @IsOptional() @IsString() IDEOGRAM_ORG_ID?: string;
  /** Optional token source answering `{access_token, expires_in}`; unset = the page's own (Firebase) token. */
  @IsOptional() @IsUrl(URL_OPTIONS) IDEOGRAM_TOKEN_URL?: string;
  @IsInt() @Min(0) IDEOGRAM_TOKEN_REFRESH_MARGIN_MS: number = 300_000;
  @IsString() IDEOGRAM_BUCKET: string = 'product-ideas';
  /** Expected generation time (0 = 60 s; upscales three quarters of it). */
  @IsInt() @Min(0) IDEOGRAM_EXPECTED_RENDER_MS: number = 0;
  /** Wait in the queue when exhausted credits refresh within this long; 0 = fail at once with QUOTA_EXHAUSTED. */
  @IsInt() @Min(0) IDEOGRAM_QUOTA_WAIT_MAX_MS: number = 0;
  /** Pause between an upload and its caption (the original waited 1.5 s). */
  @IsInt() @Min(0) IDEOGRAM_DESCRIBE_DELAY_MS: number = 1500;
  /** Allow source images on private/loopback addresses (sandbox and tests only). */
  @Transform(envBoolean) @IsBoolean() IDEOGRAM_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) IDEOGRAM_MAX_IMAGE_MB: number = 20;
}
