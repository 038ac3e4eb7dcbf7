import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { KEY_SCOPES } from '@app/contracts';
import { KeyLimitsDto } from './key-limits.dto.js';

export class CreateKeyDto {
  @ApiProperty({ example: 'n8n' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
  /** Provider names, `*` (everything) or `admin` (key management). */
  @ApiProperty({
    example: ['midjourney'],
    enum: KEY_SCOPES,
    isArray: true,
    description: 'Provider names, `*` (everything) or `admin` (key management)',
  })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(KEY_SCOPES, { each: true })
  scopes!: string[];
  /** Strict (no 30 February) and in the one form Postgres reads too: anything else would fail as SQL. */
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/, {
    message: 'expires_at must be an ISO 8601 date-time such as 2026-12-31T23:59:59Z',
  })
  expires_at?: string;
  @ApiPropertyOptional({ type: KeyLimitsDto, description: 'Per-key limits; absent fields take the configured default' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => KeyLimitsDto)
  limits?: KeyLimitsDto;
}

/** PATCH /v1/admin/keys/{id}: fields sent are changed (null: back to the default), others are kept. */
export class UpdateKeyDto {
  @ApiProperty({ type: KeyLimitsDto, example: { requests_per_minute: 120, concurrent_streams: null } })
  @IsObject()
  @ValidateNested()
  @Type(() => KeyLimitsDto)
  limits!: KeyLimitsDto;
}
