import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CHATGPT_CONVERSATION_ID,
  CHATGPT_IMAGE_TYPES,
  CHATGPT_MAX_IMAGES,
  CHATGPT_MAX_PROMPT_CHARS,
} from '@app/contracts';
import { WebhookEventsField } from '../../webhooks/webhook-events.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
/** n8n sends '' for "none": treat empty strings as absent. */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);

/** An image sent in the request body (base64, or a data: URL). */
export class ConversationImageDto {
  @IsString() @MaxLength(30 * 1024 * 1024) data!: string;
  /** Checked against the bytes; sniffed when absent. */
  @IsOptional() @IsIn(CHATGPT_IMAGE_TYPES) content_type?: string;
}

/**
 * POST /v1/chatgpt/conversations. No idea_id: the original ChatGPT service never touched product_design, and a
 * ChatGPT job would overwrite the row's Midjourney job and URLs.
 */
export class ConversationDto {
  @IsOptional() @IsString() @MaxLength(CHATGPT_MAX_PROMPT_CHARS) prompt?: string;
  /** Images by URL (fetched by the worker with an SSRF guard). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHATGPT_MAX_IMAGES)
  @IsUrl(url, { each: true })
  image_urls?: string[];
  /** One image by URL (the original's imageUrl). */
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) image_url?: string;
  /** Images uploaded in the body. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHATGPT_MAX_IMAGES)
  @ValidateNested({ each: true })
  @Type(() => ConversationImageDto)
  images?: ConversationImageDto[];
  /** The custom GPT (default CHATGPT_GPT_URL of the worker); a /c/<id> URL continues that conversation. */
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) gpt_url?: string;
  /** Continue this conversation. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(CHATGPT_CONVERSATION_ID, { message: 'conversation_id must be a ChatGPT conversation id' })
  conversation_id?: string;
  /** Called with the job when it ends (signed with WEBHOOK_SECRET); loopback and private hosts are refused (400 FORBIDDEN_HOST). */
  @IsOptional() @IsUrl(url) webhook_url?: string;
  @WebhookEventsField() webhook_events?: string[];
  /** Hard deadline for the job, seconds (default CHATGPT_DEADLINE_SECONDS). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(30) @Max(86_400) timeout_seconds?: number;
}

/** GET /v1/chatgpt/recent-images. */
export class RecentImagesQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  /** next_cursor of the previous page. */
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
  /** Only this conversation's images (filters the page). */
  @IsOptional()
  @IsString()
  @Matches(CHATGPT_CONVERSATION_ID, { message: 'conversation_id must be a ChatGPT conversation id' })
  conversation_id?: string;
}

export class ConversationParams {
  @IsString() @Matches(CHATGPT_CONVERSATION_ID, { message: 'id must be a ChatGPT conversation id' }) id!: string;
}
