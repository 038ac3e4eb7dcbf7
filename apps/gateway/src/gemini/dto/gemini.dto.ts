import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { GEMINI_MAX_PROMPT_CHARS } from '@app/contracts';
import { WebhookEventsField } from '../../webhooks/webhook-events.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
/** n8n sends '' for "none": treat empty strings as absent. */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);

/** POST /v1/gemini/video. */
export class GeminiVideoDto {
  @IsString() @MaxLength(GEMINI_MAX_PROMPT_CHARS) prompt!: string;
  /** Start frame by URL (public hosts only; fetched by the worker with the same guard and a size limit). */
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) @MaxLength(4096) image_url?: string;
  /** Called with the job when it ends (signed with WEBHOOK_SECRET); loopback and private hosts are refused (400 FORBIDDEN_HOST). */
  @IsOptional() @IsUrl(url) webhook_url?: string;
  @WebhookEventsField() webhook_events?: string[];
  /** Hard deadline for the job, seconds (default GEMINI_DEADLINE_SECONDS). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(30) @Max(86_400) timeout_seconds?: number;
}

/** POST /veo3/generate (the original's fields; `prompt` is checked by the service for the original's message). */
export class VeoGenerateBody {
  @IsOptional() @IsString() @MaxLength(GEMINI_MAX_PROMPT_CHARS) prompt?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) @MaxLength(4096) image_url?: string;
}
