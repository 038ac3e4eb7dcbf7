import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
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
import { IDEOGRAM_ID, IDEOGRAM_OPTION, IDEOGRAM_SAMPLING_SPEED, IdeogramResolution } from '@app/contracts';
import { LenientFields } from '../../errors/validation.pipe.js';

// The original Ideogram service's request bodies (PROVIDERS.md §1.3): its field names and defaults, with the limits
// that keep bad input from the site (types, ids, URLs, the site's documented ranges). The site's vocabularies (style,
// magic prompt, model, parent and asset types, quality, resolution, sampling speed) are passed through as the
// original did: the site refuses what it does not offer, and the job fails with its reason. /v1 checks them.
// Defaults are applied in ideogram-mapping.ts, where the original applied them. Unknown fields are dropped, not
// refused (LenientFields): the original read the fields it knew and ignored the rest.
const url = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' || value === null ? undefined : value);
const REQUIRED_IMAGE = { message: 'imageUrl is required' };
const URL_MESSAGE = { message: 'imageUrl must be an http(s) URL' };

/** A value of one of the site's vocabularies, known to us or not; '' counts as absent (the default). */
function SiteOption(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    Transform(emptyToUndefined)(target, key);
    IsString()(target, key);
    Matches(IDEOGRAM_OPTION, {
      message: '$property must be a string of 1-64 characters without control characters',
    })(target, key);
  };
}

/** Any integer sampling speed (the site's rendering speeds change); bounded only against absurd values. */
function SamplingSpeed(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    Type(() => Number)(target, key);
    IsInt()(target, key);
    Min(IDEOGRAM_SAMPLING_SPEED.min)(target, key);
    Max(IDEOGRAM_SAMPLING_SPEED.max)(target, key);
  };
}

/** Any `{width, height}` of integers 64–16384: the site's offered sizes change (PROVIDERS.md §3.5: unverified). */
function SiteResolution(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    ValidateNested()(target, key);
    Type(() => IdeogramResolution)(target, key);
  };
}

class IdeaFields {
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() idea_id?: string;
  /** Accepted for the original's clients; unused. */
  @IsOptional() @IsString() user_id?: string;
}

/** POST /api/remix (the n8n flow's call). */
@LenientFields()
export class RemixBody extends IdeaFields {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
  @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  /** The site's parent weight range (PROVIDERS.md §3.3). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) imageWeight?: number;
  @SiteOption() magicPrompt?: string;
  @SiteOption() style?: string;
  /** AUTO captions the image; any other value uses the prompt (a caption still when it is empty), as the original. */
  @SiteOption() promptSource?: string;
  @SiteResolution() resolution?: IdeogramResolution;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) num_images?: number;
}

/** POST /api/generate-variations: falsy imageWeight → 50 and falsy magicPrompt → ON, as the original did. */
@LenientFields()
export class GenerateVariationsBody extends IdeaFields {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) imageWeight?: number;
  @SiteOption() magicPrompt?: string;
  @SiteOption() style?: string;
  /** Ignored, as in the original: the caption is always used. */
  @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
}

const CUSTOM_REQUIRED = { message: 'Image ID and prompt text are required' };

/** POST /api/gencustom: an existing Ideogram upload and a prompt; no upload, no caption. */
@LenientFields()
export class GenCustomBody extends IdeaFields {
  @IsDefined(CUSTOM_REQUIRED)
  @Matches(IDEOGRAM_ID, { message: 'imageId is not an Ideogram upload id' })
  imageId!: string;
  @IsDefined(CUSTOM_REQUIRED) @IsString() @IsNotEmpty(CUSTOM_REQUIRED) @MaxLength(4000) promptText!: string;
  @SiteOption() style_expert?: string;
  @SiteOption() use_autoprompt_option?: string;
  @SamplingSpeed() sampling_speed?: number;
  @SiteOption() parent_type?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) parent_weight?: number;
  @SiteResolution() resolution?: IdeogramResolution;
  @IsOptional() @IsBoolean() use_random_style_codes?: boolean;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) num_images?: number;
}

/** POST /api/upscale: SUPER_RES of a generated image. */
@LenientFields()
export class UpscaleBody {
  @IsDefined() @Matches(IDEOGRAM_ID) request_id!: string;
  @IsDefined() @Matches(IDEOGRAM_ID) response_id!: string;
  @IsDefined() @IsString() @MaxLength(4000) promptText!: string;
  @SiteOption() model_version?: string;
  @SiteOption() use_autoprompt_option?: string;
  @SamplingSpeed() sampling_speed?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) parent_weight?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) upscale_details_weight?: number | null;
  /** The input's size (any shape, as the web app sends it). */
  @SiteResolution() resolution?: IdeogramResolution;
  @IsOptional() @IsBoolean() use_random_style_codes?: boolean;
  @IsOptional() @Type(() => Number) @IsIn([1]) num_images?: number;
  @IsOptional() @IsBoolean() privateGeneration?: boolean;
}

/** POST /api/removebackground. */
@LenientFields()
export class RemoveBackgroundBody {
  @SiteOption() asset_type?: string;
  @IsDefined({ message: 'asset_id is required' }) @Matches(IDEOGRAM_ID) asset_id!: string;
}

/** POST /api/genimageprompt: text to image. Style/character references are not supported (must stay empty). */
@LenientFields()
export class GenImagePromptBody {
  @IsDefined({ message: 'prompt is required' }) @IsString() @IsNotEmpty() @MaxLength(4000) prompt!: string;
  @SiteOption() style_expert?: string;
  @SiteOption() model_version?: string;
  @SiteOption() use_autoprompt_option?: string;
  @SamplingSpeed() sampling_speed?: number;
  @SiteResolution() resolution?: IdeogramResolution;
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
@LenientFields()
export class UploadBody {
  @IsDefined(REQUIRED_IMAGE) @IsUrl(url, URL_MESSAGE) imageUrl!: string;
}

/** POST /api/caption. */
@LenientFields()
export class CaptionBody {
  @IsDefined({ message: 'uploadId is required' }) @Matches(IDEOGRAM_ID) uploadId!: string;
}

/** GET /api/getrequestid?id=. */
@LenientFields()
export class RequestIdQuery {
  @IsDefined({ message: 'id is required' }) @Matches(IDEOGRAM_ID) id!: string;
}

/** GET /api/download/response/:response_id/image. */
export class DownloadParams {
  @Matches(IDEOGRAM_ID) response_id!: string;
}

@LenientFields()
export class DownloadQuery {
  /** PNG answers image/png, anything else image/jpeg, as the original; the value goes to the site as given. */
  @SiteOption() quality?: string;
}

/** GET /api/u: a user's gallery, forwarded (the original's defaults). */
@LenientFields()
export class GalleryQuery {
  @IsDefined({ message: 'user_id is required' }) @Matches(IDEOGRAM_ID) user_id!: string;
  @SiteOption() all_privacy?: string;
  @SiteOption() filters?: string;
}

/** POST /api/d/images: the web app's bulk download (one image, or a zip of several). */
@LenientFields()
export class BulkDownloadBody {
  @IsDefined({ message: 'image_ids is required' })
  @IsArray()
  @ArrayNotEmpty({ message: 'image_ids must not be empty' })
  @ArrayMaxSize(100)
  @Matches(IDEOGRAM_ID, { each: true, message: 'image_ids must be Ideogram ids' })
  image_ids!: string[];
  @IsOptional() @IsBoolean() cover_only?: boolean;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(IDEOGRAM_ID, { each: true, message: 'request_ids must be Ideogram ids' })
  request_ids?: string[];
}
