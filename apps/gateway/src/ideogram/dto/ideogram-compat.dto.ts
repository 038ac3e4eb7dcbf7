import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
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
  ValidateNested,
} from 'class-validator';
import {
  IDEOGRAM_ASSET_TYPES,
  IDEOGRAM_ID,
  IDEOGRAM_MAGIC_PROMPT,
  IDEOGRAM_MODEL_VERSIONS,
  IDEOGRAM_PARENT_TYPES,
  IDEOGRAM_PROMPT_SOURCES,
  IDEOGRAM_STYLES,
  IdeogramResolution,
  IsIdeogramResolution,
  type IdeogramMagicPrompt,
  type IdeogramModelVersion,
  type IdeogramStyle,
} from '@app/contracts';

// The original Ideogram service's request bodies (PROVIDERS.md §1.3): its field names and defaults, now with the
// limits it never enforced. Defaults are applied in IdeogramCompatService, where the original applied them.
const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);
const REQUIRED_IMAGE = { message: 'imageUrl is required' };
const URL_MESSAGE = { message: 'imageUrl must be an http(s) URL' };

class IdeaFields {
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
  /** Accepted for the original's clients; unused. */
  @IsOptional() @IsString() user_id?: string;
}

/** POST /api/remix (the n8n flow's call). */
export class RemixBody extends IdeaFields {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
  @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) imageWeight?: number;
  @IsOptional() @IsIn(IDEOGRAM_MAGIC_PROMPT) magicPrompt?: IdeogramMagicPrompt;
  @IsOptional() @IsIn(IDEOGRAM_STYLES) style?: IdeogramStyle;
  @IsOptional() @IsIn(IDEOGRAM_PROMPT_SOURCES) promptSource?: 'AUTO' | 'MANUAL';
  @IsOptional()
  @ValidateNested()
  @Type(() => IdeogramResolution)
  @IsIdeogramResolution()
  resolution?: IdeogramResolution;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) num_images?: number;
}

/** POST /api/generate-variations: falsy imageWeight → 50 and falsy magicPrompt → ON, as the original did. */
export class GenerateVariationsBody extends IdeaFields {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) imageWeight?: number;
  @IsOptional() @IsIn([...IDEOGRAM_MAGIC_PROMPT, '']) magicPrompt?: IdeogramMagicPrompt | '';
  @IsOptional() @IsIn(IDEOGRAM_STYLES) style?: IdeogramStyle;
  /** Ignored, as in the original: the caption is always used. */
  @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
}

const CUSTOM_REQUIRED = { message: 'Image ID and prompt text are required' };

/** POST /api/gencustom: an existing Ideogram upload and a prompt; no upload, no caption. */
export class GenCustomBody extends IdeaFields {
  @IsDefined(CUSTOM_REQUIRED)
  @Matches(IDEOGRAM_ID, { message: 'imageId is not an Ideogram upload id' })
  imageId!: string;
  @IsDefined(CUSTOM_REQUIRED) @IsString() @IsNotEmpty(CUSTOM_REQUIRED) @MaxLength(4000) promptText!: string;
  @IsOptional() @IsIn(IDEOGRAM_STYLES) style_expert?: IdeogramStyle;
  @IsOptional() @IsIn(IDEOGRAM_MAGIC_PROMPT) use_autoprompt_option?: IdeogramMagicPrompt;
  @IsOptional() @Type(() => Number) @IsInt() @Min(-5) @Max(5) sampling_speed?: number;
  @IsOptional() @IsIn(IDEOGRAM_PARENT_TYPES) parent_type?: 'VARIATION' | 'REMIX';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) parent_weight?: number;
  @IsOptional()
  @ValidateNested()
  @Type(() => IdeogramResolution)
  @IsIdeogramResolution()
  resolution?: IdeogramResolution;
  @IsOptional() @IsBoolean() use_random_style_codes?: boolean;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) num_images?: number;
}

/** POST /api/upscale: SUPER_RES of a generated image. */
export class UpscaleBody {
  @IsDefined() @Matches(IDEOGRAM_ID) request_id!: string;
  @IsDefined() @Matches(IDEOGRAM_ID) response_id!: string;
  @IsDefined() @IsString() @MaxLength(4000) promptText!: string;
  @IsOptional() @IsIn(IDEOGRAM_MODEL_VERSIONS) model_version?: IdeogramModelVersion;
  @IsOptional() @IsIn(IDEOGRAM_MAGIC_PROMPT) use_autoprompt_option?: IdeogramMagicPrompt;
  @IsOptional() @Type(() => Number) @IsInt() @Min(-5) @Max(5) sampling_speed?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) parent_weight?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) upscale_details_weight?: number | null;
  /** The input's size (any shape, as the web app sends it). */
  @IsOptional() @ValidateNested() @Type(() => IdeogramResolution) resolution?: IdeogramResolution;
  @IsOptional() @IsBoolean() use_random_style_codes?: boolean;
  @IsOptional() @Type(() => Number) @IsIn([1]) num_images?: number;
  @IsOptional() @IsBoolean() privateGeneration?: boolean;
}

/** POST /api/removebackground. */
export class RemoveBackgroundBody {
  @IsOptional() @IsIn(IDEOGRAM_ASSET_TYPES) asset_type?: 'RESPONSE' | 'UPLOAD';
  @IsDefined({ message: 'asset_id is required' }) @Matches(IDEOGRAM_ID) asset_id!: string;
}

/** POST /api/genimageprompt: text to image. Style/character references are not supported (must stay empty). */
export class GenImagePromptBody {
  @IsDefined({ message: 'prompt is required' }) @IsString() @IsNotEmpty() @MaxLength(4000) prompt!: string;
  @IsOptional() @IsIn(IDEOGRAM_STYLES) style_expert?: IdeogramStyle;
  @IsOptional() @IsIn(IDEOGRAM_MODEL_VERSIONS) model_version?: IdeogramModelVersion;
  @IsOptional() @IsIn(IDEOGRAM_MAGIC_PROMPT) use_autoprompt_option?: IdeogramMagicPrompt;
  @IsOptional() @Type(() => Number) @IsInt() @Min(-5) @Max(5) sampling_speed?: number;
  @IsOptional()
  @ValidateNested()
  @Type(() => IdeogramResolution)
  @IsIdeogramResolution()
  resolution?: IdeogramResolution;
  @IsOptional() @IsBoolean() use_random_style_codes?: boolean;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) num_images?: number;
  @IsOptional() @IsBoolean() privateGeneration?: boolean;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(0, { message: 'style_reference_parents are not supported' })
  style_reference_parents?: unknown[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(0, { message: 'character_reference_parents are not supported' })
  character_reference_parents?: unknown[];
}

/** POST /api/upload. */
export class UploadBody {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
}

/** POST /api/caption. */
export class CaptionBody {
  @IsDefined({ message: 'uploadId is required' }) @Matches(IDEOGRAM_ID) uploadId!: string;
}

/** GET /api/getrequestid?id=. */
export class RequestIdQuery {
  @IsDefined({ message: 'id is required' }) @Matches(IDEOGRAM_ID) id!: string;
}

/** GET /api/download/response/:response_id/image. */
export class DownloadParams {
  @Matches(IDEOGRAM_ID) response_id!: string;
}

export class DownloadQuery {
  @IsOptional() @IsIn(['PNG', 'JPEG', 'JPG', 'WEBP']) quality?: string;
}
