import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  IsBoolean,
} from 'class-validator';
import { IsNotBlank, MJ_MODES, MJ_MOTIONS, MidjourneyImagineOptions } from '@app/contracts';
import { WebhookEventsField } from '../../webhooks/webhook-events.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
/** n8n sends '' for "no image": treat empty strings as absent. */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);

export class JobOptionsDto {
  /** Called with the job when it ends (signed with WEBHOOK_SECRET); loopback and private hosts are refused (400 FORBIDDEN_HOST). */
  @IsOptional() @IsUrl(url) webhook_url?: string;
  @WebhookEventsField() webhook_events?: string[];
  /** Hard deadline for the job, seconds (default MIDJOURNEY_DEADLINE_SECONDS). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(30) @Max(86_400) timeout_seconds?: number;
}

export class ImagineDto extends JobOptionsDto {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) image_url?: string;
  /** The original's name for image_url. */
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) url_image?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyImagineOptions) options?: MidjourneyImagineOptions;
  /** product_design row to keep in step. */
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
  /** The original's name for idea_id (wins when both are given). */
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
  /** Accepted for the original's clients; unused. */
  @IsOptional() @IsString() user_id?: string;
}

export class VideoDto extends JobOptionsDto {
  @IsUrl(url) image_url!: string;
  @IsOptional() @IsString() @IsNotBlank() @MaxLength(4000) text_prompt?: string;
  @IsOptional() @IsIn(MJ_MOTIONS) motion?: 'low' | 'high';
  @IsOptional() @IsIn(MJ_MODES) mode?: (typeof MJ_MODES)[number];
  @IsOptional() @IsString() @Matches(/^[1-9]\d*:[1-9]\d*$/) ar?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos?: number;
  @IsOptional() @IsBoolean() private?: boolean;
  @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batch_size?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
}
