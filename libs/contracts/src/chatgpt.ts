import { Type } from 'class-transformer';
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
  MinLength,
  ValidateNested,
  ValidationArguments,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
} from 'class-validator';

/**
 * ChatGPT conversation ids are uuid-shaped but use their own version nibble (e.g. `…-800a-…`), which strict uuid
 * validators refuse: accept any 8-4-4-4-12 hex id.
 */
export const CHATGPT_CONVERSATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A custom GPT's path: `/g/g-<id>` with an optional `-<slug>` (PROVIDERS.md §4.2). */
export const CHATGPT_GPT_PATH = /^\/g\/g-[A-Za-z0-9]+(?:-[A-Za-z0-9-]*)?\/?$/;
/** Images attached to one message (ChatGPT accepts more; the original sent one). */
export const CHATGPT_MAX_IMAGES = 4;
export const CHATGPT_MAX_PROMPT_CHARS = 32_000;
export const CHATGPT_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** The host every deployment accepts in GPT and conversation URLs, besides its configured app origin. */
export const CHATGPT_PUBLIC_HOSTS = ['chatgpt.com', 'www.chatgpt.com'];

/**
 * A URL that names a custom GPT (path `/g/g-…`), or the app root for a plain chat without a GPT; http(s) only. The
 * worker opens the path on its own origin.
 */
export function isGptUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && (url.pathname === '/' || CHATGPT_GPT_PATH.test(url.pathname));
  } catch {
    return false;
  }
}

@ValidatorConstraint({ name: 'gptUrl' })
class GptUrlConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isGptUrl(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a custom GPT URL like https://chatgpt.com/g/g-<id>-<slug> (or the chatgpt.com root)`;
  }
}

/**
 * The prompt's own checks plus the message as a whole: a prompt (non-blank) or at least one image, and no more than
 * CHATGPT_MAX_IMAGES images. One validator on a field that is never skipped, since `@IsOptional` would skip it.
 */
@ValidatorConstraint({ name: 'message' })
class MessageConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return problemOf(args.object) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return problemOf(args.object) ?? 'invalid message';
  }
}

function problemOf(payload: ChatgptConversationPayload): string | undefined {
  const prompt: unknown = payload.prompt;
  if (prompt !== undefined && prompt !== null) {
    if (typeof prompt !== 'string') return 'prompt must be a string';
    if (prompt.length > CHATGPT_MAX_PROMPT_CHARS) {
      return `prompt must be at most ${CHATGPT_MAX_PROMPT_CHARS} characters`;
    }
  }
  const images =
    (Array.isArray(payload.imageUrls) ? payload.imageUrls.length : 0) +
    (Array.isArray(payload.uploads) ? payload.uploads.length : 0);
  if (images > CHATGPT_MAX_IMAGES) return `at most ${CHATGPT_MAX_IMAGES} images per message`;
  if (!(typeof prompt === 'string' && prompt.trim().length > 0) && images === 0) {
    return 'prompt or at least one image is required';
  }
  return undefined;
}

/** An image the gateway stored from a request body (base64 upload); the worker reads it back from storage. */
export class ChatgptStoredImage {
  @IsString() @MinLength(1) @MaxLength(200) bucket!: string;
  @IsString() @MinLength(1) @MaxLength(500) path!: string;
  @IsIn(CHATGPT_IMAGE_TYPES) contentType!: string;
}

/** `jobs.chatgpt.conversation`: one message to a custom GPT (or a plain chat), optionally continuing a conversation. */
export class ChatgptConversationPayload {
  @Validate(MessageConstraint) prompt?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHATGPT_MAX_IMAGES)
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { each: true })
  imageUrls?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHATGPT_MAX_IMAGES)
  @ValidateNested({ each: true })
  @Type(() => ChatgptStoredImage)
  uploads?: ChatgptStoredImage[];

  /** The custom GPT to talk to; absent = the worker's CHATGPT_GPT_URL. */
  @IsOptional() @Validate(GptUrlConstraint) gptUrl?: string;

  /** Continue this conversation instead of starting a new one. */
  @IsOptional()
  @IsString()
  @Matches(CHATGPT_CONVERSATION_ID, { message: 'conversationId must be a conversation id' })
  conversationId?: string;
}

/** `chatgpt.recent-images`: the account's recent image generations (`/backend-api/my/recent/image_gen`). */
export class ChatgptRecentImagesRequest {
  /** Only items of this conversation (applied to the pages walked). */
  @IsOptional() @IsString() @Matches(CHATGPT_CONVERSATION_ID) conversationId?: string;
  /** Feed pages to walk (the original's `page`: pages of `limit` items). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(20) pages?: number;
  /** Items per feed page (the web app asks for 6). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  /** Continue after this cursor (from a previous reply). */
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export interface ChatgptRecentImagesReply {
  /** Provider items, verbatim. */
  items: Array<Record<string, unknown>>;
  /** Where the next page starts; null at the end of the feed. */
  cursor: string | null;
}

/** `chatgpt.conversation-prompt`: the first fenced code block of a conversation. */
export class ChatgptConversationPromptRequest {
  @IsString()
  @Matches(CHATGPT_CONVERSATION_ID, { message: 'conversationId must be a conversation id' })
  conversationId!: string;
}

export interface ChatgptConversationPromptReply {
  found: boolean;
  /** The message node holding the block. */
  nodeId: string | null;
  prompt: string;
  language: string | null;
  /** Message nodes looked at, in order (the original's debugCheckedNodes). */
  checkedNodes: string[];
}

/** One fenced block of an answer. */
export interface ChatgptCodeBlock {
  language: string | null;
  code: string;
}

/** Operation fields of a finished (or partial) conversation job, merged into the job's `result`. */
export interface ChatgptConversationResult {
  conversation_id: string;
  text: string;
  code_blocks: ChatgptCodeBlock[];
  /** Pointers of the images the assistant generated (never the uploaded inputs). */
  asset_pointers: string[];
  /** Pointers of the images sent with the prompt, kept apart from the outputs. */
  input_asset_pointers: string[];
  message_id?: string;
  gpt_url?: string;
}
