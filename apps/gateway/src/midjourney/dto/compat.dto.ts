import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  IDEA_ID_PATTERN,
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
const niji = ({ value }: { value: unknown }) =>
  value === '1' || value === 'true' ? true : value === '0' || value === 'false' || value === '' ? false : value;
/** The original never checked row ids: a uuid or any short id (a row the sync cannot address is skipped). */
const ideaId = { message: '$property must be a uuid or an id of letters, digits, - and _ (at most 128)' };

// The original routes accepted any extra field; their DTOs drop unknown ones (LenientFields) and validate the rest.

/** POST /midjourney/genimage (original field names). */
@LenientFields()
export class GenImageBody {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(url) url_image?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyImagineOptions) options?: MidjourneyImagineOptions;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) idea_id?: string;
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
  /** The original's `niji=1` (any truthy value: the default niji model), or a niji model number. */
  @IsOptional() @Transform(niji) @IsIn([...MJ_NIJI_VERSIONS, true, false]) niji?: string | boolean;
  @IsOptional() @IsIn(MJ_MODES) mode?: (typeof MJ_MODES)[number];
  @IsOptional() @Transform(bool) @IsBoolean() private?: boolean;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) idea_id?: string;
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
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) idea_id?: string;
}

/** GET /midjourney/genvideo: the same fields flat in the query. */
@LenientFields()
export class GenVideoQuery extends GenVideoOptions {
  @IsUrl(url) image_url!: string;
  @IsOptional() @IsString() @IsNotBlank() @MaxLength(4000) text_prompt?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) design_id?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(IDEA_ID_PATTERN, ideaId) idea_id?: string;
}

/** GET /midjourney/proxy-image (clients add cache-busters to the query). */
@LenientFields()
export class ProxyImageQuery {
  @IsUrl({ ...url, require_tld: false }) url!: string;
}
