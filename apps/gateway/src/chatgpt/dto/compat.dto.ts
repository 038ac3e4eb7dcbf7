import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { CHATGPT_CONVERSATION_ID, CHATGPT_MAX_PROMPT_CHARS } from '@app/contracts';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);
const conversationId = { message: 'conversationId must be a ChatGPT conversation id' };

/** POST /gptgen (original field names): a prompt and/or an image, optionally another GPT or chat URL. */
export class GptGenBody {
  @IsOptional() @IsString() @MaxLength(CHATGPT_MAX_PROMPT_CHARS) prompt?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) imageUrl?: string;
  /** Chat or custom-GPT URL (default: the team's custom GPT). */
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) url?: string;
}

/** POST /recent-images. */
export class RecentImagesBody {
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(CHATGPT_CONVERSATION_ID, conversationId)
  conversationId?: string;
  /** Feed pages of 6 items to walk. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(20) page?: number;
}

/** POST /conversation-prompt. */
export class ConversationPromptBody {
  @IsString() @Matches(CHATGPT_CONVERSATION_ID, conversationId) conversationId!: string;
}
