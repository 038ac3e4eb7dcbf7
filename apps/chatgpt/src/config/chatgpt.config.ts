import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { URL_OPTIONS, WorkerCommonConfig, envBoolean } from '@app/provider-adapter';

/**
 * Environment of the ChatGPT service (shared worker variables plus CHATGPT_*); validated before Nest starts.
 * Pacing and polling knobs (CHATGPT_MAX_RUNNING, CHATGPT_MIN_SUBMIT_GAP_MS, …) are read by the shared
 * runtimeConfigOf.
 */
export class ChatgptConfig extends WorkerCommonConfig {
  @IsString() CHATGPT_ACCOUNT: string = 'default';
  @IsInt() @Min(0) @Max(65535) CHATGPT_PORT: number = 3001;
  @IsUrl(URL_OPTIONS) CHATGPT_APP_URL: string = 'https://chatgpt.com';
  /** The custom GPT jobs talk to unless they name another (the original's remix-design assistant). */
  @IsUrl(URL_OPTIONS) CHATGPT_GPT_URL: string =
    'https://chatgpt.com/g/g-682b4c8d88848191accff36501109e7e-wowz-ai-assistant-remix-design';
  @IsString() CHATGPT_PROFILE_DIR: string = '';
  @IsOptional() @IsString() CHATGPT_COOKIES_FILE?: string;
  /** Bucket of generated images. */
  @IsString() CHATGPT_BUCKET: string = 'chatgpt-images';
  /** Cooldown after a rate-limit message ("try again later" comes without a time). */
  @IsInt() @Min(0) CHATGPT_RATE_LIMIT_COOLDOWN_MS: number = 300_000;
  @IsInt() @Min(1000) CHATGPT_PAGE_TIMEOUT_MS: number = 30_000;
  @IsInt() @Min(1000) CHATGPT_UPLOAD_TIMEOUT_MS: number = 60_000;
  @IsInt() @Min(1000) CHATGPT_SEND_TIMEOUT_MS: number = 30_000;
  /** Expected answer time; the first poll comes at 30 % of it. */
  @IsInt() @Min(50) CHATGPT_EXPECTED_ANSWER_MS: number = 20_000;
  /** Poll interval while an answer streams. */
  @IsInt() @Min(50) CHATGPT_POLL_INTERVAL_MS: number = 2_000;
  /** Allow image URLs on private/loopback addresses (sandbox and tests only). */
  @Transform(envBoolean) @IsBoolean() CHATGPT_ALLOW_PRIVATE_URLS: boolean = false;
  @IsInt() @Min(1) CHATGPT_MAX_IMAGE_MB: number = 20;
}
