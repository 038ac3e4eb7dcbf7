import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { URL_OPTIONS, WorkerCommonConfig, envBoolean } from '@app/provider-adapter';

/** Environment of the Gemini (Veo video) service (shared worker variables plus GEMINI_*); validated before Nest starts. */
export class GeminiConfig extends WorkerCommonConfig {
  @IsString() GEMINI_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) GEMINI_PORT: number = 3004;
  @IsUrl(URL_OPTIONS) GEMINI_APP_URL: string = 'https://gemini.google.com';
  /** The Google profile, signed in once by hand (Google refuses automated sign-ins). */
  @IsString() GEMINI_PROFILE_DIR: string = '';
  @IsOptional() @IsString() GEMINI_COOKIES_FILE?: string;
  /** Bucket of the videos. */
  @IsString() GEMINI_BUCKET: string = 'veo-videos';
  /** Minimum gap between two videos of the account. */
  @IsInt() @Min(0) GEMINI_MIN_SUBMIT_GAP_MS: number = 60_000;
  /** Added to the gap on every rate limit (capped at 5 min, halved on each success). */
  @IsInt() @Min(0) GEMINI_RATE_LIMIT_PENALTY_MS: number = 60_000;
  @IsInt() @Min(1000) GEMINI_PAGE_TIMEOUT_MS: number = 30_000;
  @IsInt() @Min(1000) GEMINI_UPLOAD_TIMEOUT_MS: number = 60_000;
  @IsInt() @Min(1000) GEMINI_SEND_TIMEOUT_MS: number = 30_000;
  /** Bound of one whole submission (page, tool, image, prompt, send). */
  @IsInt() @Min(5000) GEMINI_SUBMIT_TIMEOUT_MS: number = 180_000;
  /** Expected render time; the first poll comes at 30 % of it. */
  @IsInt() @Min(50) GEMINI_EXPECTED_RENDER_MS: number = 120_000;
  /** Poll interval while the video renders (the original looked every 10 s). */
  @IsInt() @Min(50) GEMINI_POLL_INTERVAL_MS: number = 10_000;
  @IsInt() @Min(50) GEMINI_POLL_MIN_MS: number = 1_000;
  @IsInt() @Min(100) GEMINI_POLL_MAX_MS: number = 15_000;
  @IsInt() @Min(1000) GEMINI_DOWNLOAD_TIMEOUT_MS: number = 120_000;
  /** Parent of the per-job download folders (each removed after its download); empty: under the system's temp dir. */
  @IsString() GEMINI_DOWNLOAD_DIR: string = '';
  @IsInt() @Min(1000) GEMINI_HEARTBEAT_MS: number = 15_000;
  @IsInt() @Min(1000) GEMINI_ACCOUNT_CHECK_INTERVAL_MS: number = 60_000;
  /** Allow start-image URLs on private/loopback addresses (sandbox and tests only). */
  @Transform(envBoolean) @IsBoolean() GEMINI_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) GEMINI_MAX_IMAGE_MB: number = 20;
  @IsInt() @Min(1) GEMINI_MAX_VIDEO_MB: number = 200;
}
