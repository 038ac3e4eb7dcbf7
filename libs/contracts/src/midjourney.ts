import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsNotBlank } from './validators.js';

/** Limits the original never enforced; PROVIDERS.md §1.2. Ranges marked unverified there are kept permissive. */
export const MJ_VERSIONS = ['5', '5.1', '5.2', '6', '6.1', '7'] as const;
export const MJ_NIJI_VERSIONS = ['5', '6'] as const;
export const MJ_MODES = ['relaxed', 'relax', 'fast', 'turbo'] as const;
export const MJ_QUALITIES = ['normal', '.25', '0.25', '.5', '0.5', '1', '2', '4'] as const;
export const MJ_MOTIONS = ['low', 'high'] as const;
export type MidjourneyMode = (typeof MJ_MODES)[number];

/** Options of `imagine` with the original defaults applied by the adapter when absent. */
export class MidjourneyImagineOptions {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos?: number;
  @IsOptional()
  @IsString()
  @Matches(/^[1-9]\d*:[1-9]\d*$/, { message: 'ar must look like W:H with positive integers' })
  ar?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) stylize?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3000) weird?: number;
  @IsOptional() @Type(() => String) @IsIn(MJ_VERSIONS) version?: string;
  @IsOptional() @Type(() => String) @IsIn(MJ_QUALITIES) quality?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(100) stop?: number;
  @IsOptional() @IsBoolean() tile?: boolean;
  /** A niji model number, or true for the default niji model. Exactly one model flag is emitted. */
  @IsOptional() @IsIn([...MJ_NIJI_VERSIONS, true, false]) niji?: string | boolean;
  @IsOptional() @IsIn(MJ_MODES) mode?: MidjourneyMode;
  @IsOptional() @IsBoolean() private?: boolean;
}

export class MidjourneyImaginePayload {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) imageUrl?: string;
  @ValidateNested() @Type(() => MidjourneyImagineOptions) options: MidjourneyImagineOptions =
    new MidjourneyImagineOptions();
}

export class MidjourneyVideoPayload {
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) imageUrl!: string;
  @IsString() @IsNotBlank() @MaxLength(4000) textPrompt: string = 'cinematic video, smooth motion';
  @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos: number = 5;
  @IsString() @Matches(/^[1-9]\d*:[1-9]\d*$/) ar: string = '4:3';
  @IsIn(MJ_MOTIONS) motion: 'low' | 'high' = 'high';
  @IsIn(MJ_MODES) mode: MidjourneyMode = 'fast';
  @IsBoolean() private: boolean = false;
  /** Videos per job (MJ `--bs`); MJ renders 4 by default. */
  @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batchSize?: number;
}

export class ProxyImageRequest {
  @IsString()
  @IsNotEmpty()
  @IsUrl({ protocols: ['https', 'http'], require_tld: false, require_protocol: true })
  url!: string;
}
