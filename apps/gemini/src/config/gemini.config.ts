import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { URL_OPTIONS, WorkerCommonConfig, envBoolean } from '@app/provider-adapter';

/**
 * Environment of the Gemini (Veo video) service (shared worker variables plus GEMINI_*); validated before Nest starts.
 * Pacing and polling knobs (GEMINI_MIN_SUBMIT_GAP_MS, GEMINI_POLL_MIN_MS, …) are read by the shared runtimeConfigOf.
 */
export class GeminiConfig extends WorkerCommonConfig {
  @IsString() GEMINI_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) GEMINI_PORT: number = 3004;
  @IsUrl(URL_OPTIONS) GEMINI_APP_URL: string = 'https://gemini.google.com';
  /** The Google profile, signed in once by hand (Google refuses automated sign-ins). */
  @IsString() GEMINI_PROFILE_DIR: string = '';
  @IsOptional() @IsString() GEMINI_COOKIES_FILE?: string;
  /** Bucket of the videos. */
  @IsString() GEMINI_BUCKET: string = 'veo-videos';
  @IsInt() @Min(1000) GEMINI_PAGE_TIMEOUT_MS: number = 30_000;
  @IsInt() @Min(1000) GEMINI_UPLOAD_TIMEOUT_MS: number = 60_000;
  @IsInt() @Min(1000) GEMINI_SEND_TIMEOUT_MS: number = 30_000;
  /** Expected render time; the first poll comes at 30 % of it. */
  @IsInt() @Min(50) GEMINI_EXPECTED_RENDER_MS: number = 120_000;
  /** Poll interval while the video renders (the original looked every 10 s). */
  @IsInt() @Min(50) GEMINI_POLL_INTERVAL_MS: number = 10_000;
  /** Watch each job's tab for the page's own updates and look at once (false: polls only, at the interval above). */
  @Transform(envBoolean) @IsBoolean() GEMINI_PUSH: boolean = true;
  @IsInt() @Min(1000) GEMINI_DOWNLOAD_TIMEOUT_MS: number = 120_000;
  /** Parent of the per-job download folders (each removed after its download); empty: under the system's temp dir. */
  @IsString() GEMINI_DOWNLOAD_DIR: string = '';
  /** Allow start-image URLs on private/loopback addresses (sandbox and tests only). */
  @Transform(envBoolean) @IsBoolean() GEMINI_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) GEMINI_MAX_IMAGE_MB: number = 20;
  @IsInt() @Min(1) GEMINI_MAX_VIDEO_MB: number = 200;
}
