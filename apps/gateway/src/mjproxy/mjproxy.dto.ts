import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  Min,
  Max,
  ValidateNested,
} from 'class-validator';
import { LenientFields } from '../errors/validation.pipe.js';

export const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
/** Relays send empty strings for what they do not use (notifyHook: ""). */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);

// Proxy clients send fields of their own (accountFilter, botType, remix…): unknown fields are dropped, not refused.

class Notified {
  @ApiPropertyOptional({ description: 'Given back in the task as `state`' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  state?: string;
  @ApiPropertyOptional({ description: 'POSTed the Task JSON on every status change (durable, signed deliveries)' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(HTTP_URL)
  notifyHook?: string;
}

export const MJ_PROXY_MODES = ['RELAX', 'FAST', 'TURBO'] as const;
const upper = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v)) : value;

/** The proxies' account choice. Fields of other proxies (channelId, …) are dropped, as the proxies ignore theirs. */
export class MjAccountFilter {
  @ApiPropertyOptional({ description: 'The account (MIDJOURNEY_ACCOUNT of a worker) to run on; unknown: code 4' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  instanceId?: string;
  @ApiPropertyOptional({
    enum: MJ_PROXY_MODES,
    isArray: true,
    description: 'Allowed speeds: the job runs in the first',
  })
  @Transform(upper)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @IsIn(MJ_PROXY_MODES, { each: true })
  modes?: string[];
  @ApiPropertyOptional({ description: 'Accepted and ignored: the web app has no remix mode per account' })
  @IsOptional()
  @IsBoolean()
  remix?: boolean;
  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @IsOptional()
  @IsBoolean()
  remixAutoConsidered?: boolean;
}

class Routed extends Notified {
  @ApiPropertyOptional({ type: MjAccountFilter })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MjAccountFilter)
  accountFilter?: MjAccountFilter;
}

const IMAGE = 'an http(s) URL, or the image itself as base64 or a base64 data: URL (PNG, JPEG, WebP, GIF)';

@LenientFields()
export class MjImagineBody extends Routed {
  @ApiProperty({ example: 'a lighthouse at dusk --ar 16:9' }) @IsString() @MaxLength(4000) prompt!: string;
  @ApiPropertyOptional({ type: [String], description: `Image prompts (up to 5; at most one URL), each ${IMAGE}` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  base64Array?: string[];
  @ApiPropertyOptional({ enum: ['MID_JOURNEY', 'NIJI_JOURNEY'], description: 'NIJI_JOURNEY: the default niji model' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['MID_JOURNEY', 'NIJI_JOURNEY'])
  botType?: string;
}

@LenientFields()
export class MjActionBody extends Notified {
  @ApiProperty() @IsString() @MaxLength(100) taskId!: string;
  @ApiProperty({ example: 'MJ::JOB::upsample::2::8f3c1e2a-0d4b-4c8e-9a7f-1b2c3d4e5f60' })
  @IsString()
  @MaxLength(200)
  customId!: string;
}

@LenientFields()
export class MjChangeBody extends Notified {
  @ApiProperty() @IsString() @MaxLength(100) taskId!: string;
  @ApiProperty({ enum: ['UPSCALE', 'VARIATION', 'REROLL'] }) @IsString() @MaxLength(20) action!: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 4 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(4)
  index?: number;
}

@LenientFields()
export class MjSimpleChangeBody extends Notified {
  @ApiProperty({ example: '1320098173412546 U2' }) @IsString() @MaxLength(200) content!: string;
}

@LenientFields()
export class MjDescribeBody extends Routed {
  @ApiPropertyOptional({ description: `The image: ${IMAGE}` })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  base64?: string;
  @ApiPropertyOptional({ example: 'https://example.com/photo.png' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(HTTP_URL)
  link?: string;
}

@LenientFields()
export class MjBlendBody extends Routed {
  @ApiProperty({ type: [String], description: `2–5 images, each ${IMAGE}` })
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  base64Array!: string[];
  @ApiPropertyOptional({ enum: ['PORTRAIT', 'SQUARE', 'LANDSCAPE'] })
  @IsOptional()
  @IsIn(['PORTRAIT', 'SQUARE', 'LANDSCAPE'])
  dimensions?: string;
}

@LenientFields()
export class MjVideoBody extends Routed {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  @ApiPropertyOptional({ description: `The start image: ${IMAGE}` })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  image?: string;
  @ApiPropertyOptional({ description: `The end image (--end): ${IMAGE}` })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  endImage?: string;
  @ApiPropertyOptional({ description: 'End on the start image (--end loop); not with endImage' })
  @IsOptional()
  @IsBoolean()
  loop?: boolean;
  @ApiPropertyOptional({ enum: ['low', 'high'] }) @IsOptional() @IsIn(['low', 'high']) motion?: 'low' | 'high';
  @ApiPropertyOptional({ enum: [1, 2, 4] }) @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batchSize?: number;
}

@LenientFields()
export class MjListBody {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) ids!: string[];
}
