import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  IDEOGRAM_ASPECT_RATIOS,
  IDEOGRAM_ASSET_TYPES,
  IDEOGRAM_ID,
  IDEOGRAM_MAGIC_PROMPT,
  IDEOGRAM_MODEL_VERSIONS,
  IDEOGRAM_PROMPT_SOURCES,
  IDEOGRAM_STYLES,
  IDEOGRAM_UPSCALE_FACTORS,
  IdeogramResolution,
  IsIdeogramResolution,
  type IdeogramMagicPrompt,
  type IdeogramModelVersion,
  type IdeogramStyle,
} from '@app/contracts';
import { WebhookEventsField } from '../../webhooks/webhook-events.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);
const ASPECTS = Object.keys(IDEOGRAM_ASPECT_RATIOS);

class IdeogramJobOptionsDto {
  @ApiPropertyOptional({
    description:
      'Called with the job when it ends (signed with WEBHOOK_SECRET); loopback and private hosts are refused (400 FORBIDDEN_HOST)',
  })
  @IsOptional()
  @IsUrl(url)
  webhook_url?: string;
  @WebhookEventsField() webhook_events?: string[];
  @ApiPropertyOptional({ description: 'Hard deadline of the job, seconds (default IDEOGRAM_DEADLINE_SECONDS)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(86_400)
  timeout_seconds?: number;
  @ApiPropertyOptional({ description: 'product_design row whose remixed_designs_url gets the results' })
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUUID()
  idea_id?: string;
}

/** An image size: `aspect_ratio` (one of the UI's ratios) or an exact `resolution` from the offered list. */
class SizedDto extends IdeogramJobOptionsDto {
  @ApiPropertyOptional({ enum: ASPECTS })
  @IsOptional()
  @IsIn(ASPECTS)
  aspect_ratio?: string;
  @ApiPropertyOptional({ example: { width: 1024, height: 1024 } })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdeogramResolution)
  @IsIdeogramResolution()
  resolution?: IdeogramResolution;
  @ApiPropertyOptional({ enum: IDEOGRAM_STYLES, default: 'AUTO' })
  @IsOptional()
  @IsIn(IDEOGRAM_STYLES)
  style?: IdeogramStyle;
  @ApiPropertyOptional({ enum: IDEOGRAM_MAGIC_PROMPT })
  @IsOptional()
  @IsIn(IDEOGRAM_MAGIC_PROMPT)
  magic_prompt?: IdeogramMagicPrompt;
  @ApiPropertyOptional({ minimum: 1, maximum: 4, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(4)
  num_images?: number;
  @ApiPropertyOptional({ enum: IDEOGRAM_MODEL_VERSIONS })
  @IsOptional()
  @IsIn(IDEOGRAM_MODEL_VERSIONS)
  model_version?: IdeogramModelVersion;
}

/** POST /v1/ideogram/remix: an image (URL, or an Ideogram upload id) and a prompt or a caption of it. */
export class RemixDto extends SizedDto {
  @ApiPropertyOptional({ description: 'Source image (http/https); or give image_id' })
  @ValidateIf((o: RemixDto) => !o.image_id || o.image_url !== undefined)
  @IsUrl(url)
  image_url?: string;
  @ApiPropertyOptional({ description: 'An existing Ideogram upload id instead of image_url' })
  @IsOptional()
  @Matches(IDEOGRAM_ID)
  image_id?: string;
  @ApiPropertyOptional({ description: 'Used when prompt_source is MANUAL; otherwise the image is captioned' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  prompt?: string;
  @ApiPropertyOptional({ enum: IDEOGRAM_PROMPT_SOURCES, default: 'AUTO' })
  @IsOptional()
  @IsIn(IDEOGRAM_PROMPT_SOURCES)
  prompt_source?: 'AUTO' | 'MANUAL';
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 70 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  image_weight?: number;
}

/** POST /v1/ideogram/generate: text to image. */
export class GenerateDto extends SizedDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) prompt!: string;
}

/** POST /v1/ideogram/upscale: an image of an earlier job (job_id + index) or a request/response id pair. */
export class UpscaleDto extends IdeogramJobOptionsDto {
  @ApiPropertyOptional({ description: 'A completed Ideogram job of this gateway' })
  @ValidateIf((o: UpscaleDto) => o.job_id !== undefined || (!o.request_id && !o.response_id))
  @IsUUID()
  job_id?: string;
  @ApiPropertyOptional({ description: 'Which image of job_id (default 0)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7)
  index?: number;
  @ApiPropertyOptional()
  @ValidateIf((o: UpscaleDto) => !o.job_id || o.request_id !== undefined)
  @Matches(IDEOGRAM_ID)
  request_id?: string;
  @ApiPropertyOptional()
  @ValidateIf((o: UpscaleDto) => !o.job_id || o.response_id !== undefined)
  @Matches(IDEOGRAM_ID)
  response_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  @ApiPropertyOptional({ enum: IDEOGRAM_UPSCALE_FACTORS, default: 'X4' })
  @IsOptional()
  @IsIn(IDEOGRAM_UPSCALE_FACTORS)
  upscale_factor?: 'X2' | 'X4';
}

/** POST /v1/ideogram/remove-background: an image of an earlier job, or an Ideogram asset id. */
export class RemoveBackgroundDto extends IdeogramJobOptionsDto {
  @ApiPropertyOptional()
  @ValidateIf((o: RemoveBackgroundDto) => !o.asset_id || o.job_id !== undefined)
  @IsUUID()
  job_id?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7)
  index?: number;
  @ApiPropertyOptional()
  @ValidateIf((o: RemoveBackgroundDto) => !o.job_id || o.asset_id !== undefined)
  @Matches(IDEOGRAM_ID)
  asset_id?: string;
  @ApiPropertyOptional({ enum: IDEOGRAM_ASSET_TYPES, default: 'RESPONSE' })
  @IsOptional()
  @IsIn(IDEOGRAM_ASSET_TYPES)
  asset_type?: 'RESPONSE' | 'UPLOAD';
}

/** POST /v1/ideogram/describe: caption an image (URL or an Ideogram upload id). */
export class DescribeDto extends IdeogramJobOptionsDto {
  @ApiPropertyOptional()
  @ValidateIf((o: DescribeDto) => !o.upload_id || o.image_url !== undefined)
  @IsUrl(url)
  image_url?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(IDEOGRAM_ID) upload_id?: string;
}
