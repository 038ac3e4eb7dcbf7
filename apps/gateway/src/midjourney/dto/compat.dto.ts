import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
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
} from 'class-validator';
import {
  IsNotBlank,
  MJ_MODES,
  MJ_MOTIONS,
  MJ_NIJI_VERSIONS,
  MJ_QUALITIES,
  MJ_VERSIONS,
  MidjourneyImagineOptions,
} from '@app/contracts';
import { LenientFields } from '../../errors/validation.pipe.js';

const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);
const bool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

// The original routes accepted any extra field; their DTOs drop unknown ones (LenientFields) and validate the rest.

/** POST /midjourney/genimage (original field names). */
@LenientFields()
export class GenImageBody {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) url_image?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyImagineOptions) options?: MidjourneyImagineOptions;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
  @IsOptional() @IsString() user_id?: string;
}

/** GET /midjourney/genimage: options flat in the query, as strings. */
@LenientFields()
export class GenImageQuery {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) url_image?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos?: number;
  @IsOptional() @IsString() @Matches(/^[1-9]\d*:[1-9]\d*$/) ar?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) stylize?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(3000) weird?: number;
  @IsOptional() @IsIn(MJ_VERSIONS) version?: string;
  @IsOptional() @IsIn(MJ_QUALITIES) quality?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(100) stop?: number;
  @IsOptional() @Transform(bool) @IsBoolean() tile?: boolean;
  @IsOptional() @IsIn(MJ_NIJI_VERSIONS) niji?: string;
  @IsOptional() @IsIn(MJ_MODES) mode?: (typeof MJ_MODES)[number];
  @IsOptional() @Transform(bool) @IsBoolean() private?: boolean;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
}

export class GenVideoOptions {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos?: number;
  @IsOptional() @IsString() @Matches(/^[1-9]\d*:[1-9]\d*$/) ar?: string;
  @IsOptional() @IsIn(MJ_MOTIONS) motion?: 'low' | 'high';
  @IsOptional() @IsIn(MJ_MODES) mode?: (typeof MJ_MODES)[number];
  @IsOptional() @Transform(bool) @IsBoolean() private?: boolean;
}

/** POST /midjourney/genvideo. */
@LenientFields()
export class GenVideoBody {
  @IsUrl(url) image_url!: string;
  @IsOptional() @IsString() @IsNotBlank() @MaxLength(4000) text_prompt?: string;
  @IsOptional() @ValidateNested() @Type(() => GenVideoOptions) options?: GenVideoOptions;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
}

/** GET /midjourney/genvideo: the same fields flat in the query. */
@LenientFields()
export class GenVideoQuery extends GenVideoOptions {
  @IsUrl(url) image_url!: string;
  @IsOptional() @IsString() @IsNotBlank() @MaxLength(4000) text_prompt?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
}

/** GET /midjourney/proxy-image (clients add cache-busters to the query). */
@LenientFields()
export class ProxyImageQuery {
  @IsUrl({ ...url, require_tld: false }) url!: string;
}
