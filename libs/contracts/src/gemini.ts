import { IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { IsNotBlank } from './validators.js';

/** Longer prompts than the Gemini composer takes comfortably are a client's mistake, not a video. */
export const GEMINI_MAX_PROMPT_CHARS = 8_000;

/** `jobs.gemini.video`: one Veo video made in the Gemini web app, from a prompt and optionally a start image. */
export class GeminiVideoPayload {
  @IsString() @IsNotBlank() @MaxLength(GEMINI_MAX_PROMPT_CHARS) prompt!: string;

  /** The start frame: fetched by the worker (SSRF guard, size limit) and attached to the prompt. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @MaxLength(4096)
  imageUrl?: string;
}

/** Operation fields of a finished video job, merged into the job's `result` (the video itself is in `videos`). */
export interface GeminiVideoResult {
  /** The Gemini chat the video was made in (`/app/<id>`). */
  conversation_id: string;
  /** Whether a start image went with the prompt. */
  with_image: boolean;
}
