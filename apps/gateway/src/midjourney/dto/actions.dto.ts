import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  IsNotBlank,
  MJ_ACTIONS,
  MJ_BLEND_DIMENSIONS,
  MJ_MODES,
  MJ_MOTIONS,
  MJ_PAN_DIRECTIONS,
  type MidjourneyAction,
  type MidjourneyMode,
  type MidjourneyPanDirection,
} from '@app/contracts';
import { JobOptionsDto } from './imagine.dto.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);

/** `POST /v1/midjourney/actions`: a follow-up of a completed Midjourney job, run on the account that made it. */
export class ActionDto extends JobOptionsDto {
  @ApiProperty({ description: 'The gateway job id of the parent (a completed Midjourney job of this API key)' })
  @IsUUID()
  job_id!: string;

  @ApiProperty({ enum: MJ_ACTIONS, description: 'One of the parent’s `result.actions` (zoom: 422 NOT_SUPPORTED)' })
  @IsIn(MJ_ACTIONS)
  action!: MidjourneyAction;

  @ApiPropertyOptional({ minimum: 1, maximum: 4, description: 'Grid cell or video, 1–4 (the site counts 0–3)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(4)
  index?: number;

  @ApiPropertyOptional({ enum: ['subtle', 'creative'], description: 'upscale: v7_2x_subtle or v7_2x_creative' })
  @IsOptional()
  @IsIn(['subtle', 'creative'])
  type?: 'subtle' | 'creative';

  @ApiPropertyOptional({ enum: ['subtle', 'strong'], description: 'vary' })
  @IsOptional()
  @IsIn(['subtle', 'strong'])
  strength?: 'subtle' | 'strong';

  @ApiPropertyOptional({ description: 'vary (remix), reroll, pan: a changed prompt; animate, extend: the video text' })
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(4000)
  prompt?: string;

  @ApiPropertyOptional({ enum: MJ_PAN_DIRECTIONS, description: 'pan' })
  @IsOptional()
  @IsIn(MJ_PAN_DIRECTIONS)
  direction?: MidjourneyPanDirection;

  @ApiPropertyOptional({ enum: [1.5, 2], description: 'zoom (not supported: no recorded web body)' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([1.5, 2])
  factor?: number;

  @ApiPropertyOptional({ enum: MJ_MOTIONS, description: 'animate, extend' })
  @IsOptional()
  @IsIn(MJ_MOTIONS)
  motion?: 'low' | 'high';

  @ApiPropertyOptional({ enum: [480, 720], description: 'animate' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([480, 720])
  resolution?: 480 | 720;

  @ApiPropertyOptional({ enum: [1, 2, 4], description: 'animate: videos per job' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([1, 2, 4])
  batch_size?: number;

  @ApiPropertyOptional({ description: 'animate: the end frame (uploaded to Midjourney first); not with loop' })
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(url)
  end_image_url?: string;

  @ApiPropertyOptional({ description: 'animate: end where it starts; not with end_image_url' })
  @IsOptional()
  @IsBoolean()
  loop?: boolean;

  @ApiPropertyOptional({ enum: MJ_MODES, description: 'Default: the parent’s mode' })
  @IsOptional()
  @IsIn(MJ_MODES)
  mode?: MidjourneyMode;

  @IsOptional() @IsBoolean() private?: boolean;
}

/** `POST /v1/midjourney/describe`: four prompts for an image. */
export class DescribeDto extends JobOptionsDto {
  @ApiProperty({ example: 'https://example.com/photo.png' })
  @IsUrl(url)
  image_url!: string;
}

/** `POST /v1/midjourney/blend`: an imagine of 2–5 uploaded images. */
export class BlendDto extends JobOptionsDto {
  @ApiProperty({
    type: [String],
    minItems: 2,
    maxItems: 5,
    example: ['https://example.com/a.png', 'https://example.com/b.png'],
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(5)
  @IsUrl(url, { each: true })
  image_urls!: string[];

  @ApiPropertyOptional({ enum: MJ_BLEND_DIMENSIONS, description: 'portrait 2:3, square 1:1, landscape 3:2' })
  @IsOptional()
  @IsIn(MJ_BLEND_DIMENSIONS)
  dimensions?: (typeof MJ_BLEND_DIMENSIONS)[number];

  @IsOptional() @IsIn(MJ_MODES) mode?: MidjourneyMode;
  @IsOptional() @IsBoolean() private?: boolean;
}
