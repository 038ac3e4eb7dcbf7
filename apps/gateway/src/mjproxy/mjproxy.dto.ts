import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, MaxLength, Min, Max } from 'class-validator';
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

@LenientFields()
export class MjImagineBody extends Notified {
  @ApiProperty({ example: 'a lighthouse at dusk --ar 16:9' }) @IsString() @MaxLength(4000) prompt!: string;
  @ApiPropertyOptional({ type: [String], description: 'Image prompts: http(s) URLs (data: URIs are refused, code 4)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  base64Array?: string[];
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
export class MjDescribeBody extends Notified {
  @ApiPropertyOptional({ description: 'data: URI (refused for now, code 4: send link)' })
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
export class MjBlendBody extends Notified {
  @ApiProperty({ type: [String], description: '2–5 images: http(s) URLs (data: URIs are refused for now, code 4)' })
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
export class MjVideoBody extends Notified {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  @ApiPropertyOptional({ description: 'The start image: an http(s) URL' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  image?: string;
  @ApiPropertyOptional({ enum: ['low', 'high'] }) @IsOptional() @IsIn(['low', 'high']) motion?: 'low' | 'high';
  @ApiPropertyOptional({ enum: [1, 2, 4] }) @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batchSize?: number;
}

@LenientFields()
export class MjListBody {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) ids!: string[];
}
