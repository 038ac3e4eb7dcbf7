import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  buildMessage,
  type ValidationOptions,
} from 'class-validator';

/**
 * Enumerations of ideogram.ai's web API (PROVIDERS.md §3.5, §7): what the /v1 routes accept. The site's vocabularies
 * change; job payloads (and the original routes, which passed values through) check only the shape: IDEOGRAM_OPTION.
 */
export const IDEOGRAM_MAGIC_PROMPT = ['AUTO', 'ON', 'OFF'] as const;
export const IDEOGRAM_PROMPT_SOURCES = ['AUTO', 'MANUAL'] as const;
export const IDEOGRAM_STYLES = ['AUTO', 'DEFAULT', 'PHOTO', 'ILLUSTRATION', 'RENDER_3D', 'ANIME', 'DESIGN'] as const;
export const IDEOGRAM_MODEL_VERSIONS = ['V_0_3', 'V_1_5', 'V_3_0', 'V_3_1', 'AUTO'] as const;
export const IDEOGRAM_UPSCALE_FACTORS = ['X2', 'X4'] as const;
export const IDEOGRAM_ASSET_TYPES = ['RESPONSE', 'UPLOAD'] as const;
/** How a remix-family job names its files in the `product-ideas` bucket (PROVIDERS.md §1.1). */
export const IDEOGRAM_LAYOUTS = ['remix', 'variation', 'custom'] as const;
export type IdeogramMagicPrompt = (typeof IDEOGRAM_MAGIC_PROMPT)[number];
export type IdeogramStyle = (typeof IDEOGRAM_STYLES)[number];
export type IdeogramModelVersion = (typeof IDEOGRAM_MODEL_VERSIONS)[number];
export type IdeogramLayout = (typeof IDEOGRAM_LAYOUTS)[number];

/** The resolutions the web app offers (width × height). */
export const IDEOGRAM_RESOLUTIONS: ReadonlyArray<readonly [number, number]> = [
  [1024, 1024],
  [1312, 736],
  [736, 1312],
  [1280, 800],
  [800, 1280],
  [1248, 832],
  [832, 1248],
  [1152, 864],
  [864, 1152],
  [1120, 890],
  [890, 1120],
];

/** Aspect ratios the UI names, mapped onto the resolution list above. */
export const IDEOGRAM_ASPECT_RATIOS: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024],
  '16:9': [1312, 736],
  '9:16': [736, 1312],
  '16:10': [1280, 800],
  '10:16': [800, 1280],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
  '4:3': [1152, 864],
  '3:4': [864, 1152],
  '5:4': [1120, 890],
  '4:5': [890, 1120],
};

export function isIdeogramResolution(value: unknown): boolean {
  const r = value as { width?: unknown; height?: unknown } | null;
  return !!r && IDEOGRAM_RESOLUTIONS.some(([w, h]) => r.width === w && r.height === h);
}

/** The whole `{width, height}` pair must be one of IDEOGRAM_RESOLUTIONS. */
export function IsIdeogramResolution(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdeogramResolution',
      validator: {
        validate: (value) => isIdeogramResolution(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be one of ${IDEOGRAM_RESOLUTIONS.map(([w, h]) => `${w}x${h}`).join(', ')}`,
          options,
        ),
      },
    },
    options,
  );
}

export class IdeogramResolution {
  @Type(() => Number) @IsInt() @Min(64) @Max(16384) width!: number;
  @Type(() => Number) @IsInt() @Min(64) @Max(16384) height!: number;
}

const resolution = (width: number, height: number) => Object.assign(new IdeogramResolution(), { width, height });
const URL_OPTS = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };
/** Ideogram ids (request, response, upload, asset) are URL-safe tokens; anything else never reaches a path. */
export const IDEOGRAM_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A value of one of the site's vocabularies (style, magic prompt, model…), known or not: 1–64 chars, no controls. */
export const IDEOGRAM_OPTION = /^\P{Cc}{1,64}$/u;
/** `sampling_speed` (rendering speed) as the site may take it: an integer, bounded only against absurd values. */
export const IDEOGRAM_SAMPLING_SPEED = { min: -1000, max: 1000 } as const;
const option = { message: '$property must be a string of 1-64 characters without control characters' };

/**
 * `remix` (and the original's generate-variations / gencustom): an image (fetched and uploaded, or an Ideogram
 * upload id), a prompt or a caption of the image, then a VARIATION sample.
 */
export class IdeogramRemixPayload {
  @ValidateIf((o: IdeogramRemixPayload) => !o.imageId) @IsUrl(URL_OPTS) imageUrl?: string;
  /** An existing Ideogram upload id (gencustom): no fetch, no upload. */
  @IsOptional() @Matches(IDEOGRAM_ID) imageId?: string;
  @IsString() @MaxLength(4000) prompt: string = '';
  /** AUTO or an empty prompt: caption the image and use the caption (a supplied prompt wins with MANUAL). */
  @IsIn(IDEOGRAM_PROMPT_SOURCES) promptSource: 'AUTO' | 'MANUAL' = 'AUTO';
  @Type(() => Number) @IsInt() @Min(1) @Max(100) imageWeight: number = 70;
  @IsString() @Matches(IDEOGRAM_OPTION, option) magicPrompt: string = 'AUTO';
  @IsString() @Matches(IDEOGRAM_OPTION, option) style: string = 'AUTO';
  /** Any size: the site refuses the ones it does not offer (the /v1 routes check the offered list first). */
  @ValidateNested() @Type(() => IdeogramResolution) resolution: IdeogramResolution = resolution(800, 1280);
  @Type(() => Number) @IsInt() @Min(1) @Max(4) numImages: number = 1;
  @IsString() @Matches(IDEOGRAM_OPTION, option) modelVersion: string = 'V_3_0';
  @IsString() @Matches(IDEOGRAM_OPTION, option) parentType: string = 'VARIATION';
  @Type(() => Number)
  @IsInt()
  @Min(IDEOGRAM_SAMPLING_SPEED.min)
  @Max(IDEOGRAM_SAMPLING_SPEED.max)
  samplingSpeed: number = -2;
  @IsBoolean() useRandomStyleCodes: boolean = false;
  @IsIn(IDEOGRAM_LAYOUTS) layout: IdeogramLayout = 'remix';
}

/** Text to image. */
export class IdeogramGeneratePayload {
  @IsString() @IsNotEmpty() @MaxLength(4000) prompt!: string;
  @ValidateNested() @Type(() => IdeogramResolution) resolution: IdeogramResolution = resolution(1024, 1024);
  @IsString() @Matches(IDEOGRAM_OPTION, option) magicPrompt: string = 'ON';
  @IsString() @Matches(IDEOGRAM_OPTION, option) style: string = 'AUTO';
  @IsString() @Matches(IDEOGRAM_OPTION, option) modelVersion: string = 'V_3_0';
  @Type(() => Number) @IsInt() @Min(1) @Max(4) numImages: number = 1;
  @Type(() => Number)
  @IsInt()
  @Min(IDEOGRAM_SAMPLING_SPEED.min)
  @Max(IDEOGRAM_SAMPLING_SPEED.max)
  samplingSpeed: number = -2;
  @IsBoolean() useRandomStyleCodes: boolean = false;
  @IsBoolean() private: boolean = true;
}

/** SUPER_RES of a generated image (`parent {request_id, response_id}`). */
export class IdeogramUpscalePayload {
  @Matches(IDEOGRAM_ID) requestId!: string;
  @Matches(IDEOGRAM_ID) responseId!: string;
  @IsString() @MaxLength(4000) prompt: string = '';
  @IsString() @Matches(IDEOGRAM_OPTION, option) modelVersion: string = 'AUTO';
  @IsString() @Matches(IDEOGRAM_OPTION, option) magicPrompt: string = 'OFF';
  @Type(() => Number)
  @IsInt()
  @Min(IDEOGRAM_SAMPLING_SPEED.min)
  @Max(IDEOGRAM_SAMPLING_SPEED.max)
  samplingSpeed: number = -2;
  @Type(() => Number) @IsInt() @Min(1) @Max(100) weight: number = 100;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) detailsWeight?: number;
  @IsIn(IDEOGRAM_UPSCALE_FACTORS) upscaleFactor: 'X2' | 'X4' = 'X4';
  /** The input's size, as the web app sends it (not limited to the generation resolutions). */
  @IsOptional() @ValidateNested() @Type(() => IdeogramResolution) resolution?: IdeogramResolution;
  @IsBoolean() useRandomStyleCodes: boolean = false;
  @IsBoolean() private: boolean = true;
}

export class IdeogramRemoveBackgroundPayload {
  @IsString() @Matches(IDEOGRAM_OPTION, option) assetType: string = 'RESPONSE';
  @Matches(IDEOGRAM_ID) assetId!: string;
}

/** Caption an image: a URL (fetched and uploaded) or an existing upload id. */
export class IdeogramDescribePayload {
  @ValidateIf((o: IdeogramDescribePayload) => !o.uploadId) @IsUrl(URL_OPTS) imageUrl?: string;
  @IsOptional() @Matches(IDEOGRAM_ID) uploadId?: string;
}

// ---------------------------------------------------------------- quick commands (core request/reply)

/** `ideogram.<command>` subjects of the quick request/reply commands. */
export const IDEOGRAM_COMMANDS = {
  upload: 'upload',
  caption: 'caption',
  requestMetadata: 'request-metadata',
  download: 'download',
  gallery: 'gallery',
  bulkDownload: 'bulk-download',
  submitAsCaller: 'submit-as-caller',
} as const;

/** Longer than any Firebase ID token; a longer Bearer is refused before it reaches a worker. */
export const IDEOGRAM_TOKEN_MAX_LENGTH = 8192;

/**
 * A caller's own Ideogram Bearer token, used for this one call instead of the account's session and never stored
 * or logged. Only quick commands accept it; background jobs always run on the account's live session.
 */
class CallerToken {
  @IsOptional() @IsString() @MaxLength(IDEOGRAM_TOKEN_MAX_LENGTH) token?: string;
}

/** The submit-only operations the original also ran on a caller's own token (upscale, background removal, generate). */
export const IDEOGRAM_CALLER_OPERATIONS = ['upscale', 'remove-background', 'generate'] as const;
export type IdeogramCallerOperation = (typeof IDEOGRAM_CALLER_OPERATIONS)[number];

/**
 * One submission on the caller's own Ideogram account (their token): no job, since polling and downloads would need
 * the token for the job's whole life. Answers the site's own answer, as the original's submit-only routes did.
 */
export class IdeogramSubmitAsCallerRequest {
  @IsIn(IDEOGRAM_CALLER_OPERATIONS) operation!: IdeogramCallerOperation;
  /** The operation's payload (IdeogramUpscalePayload, IdeogramRemoveBackgroundPayload, IdeogramGeneratePayload). */
  @IsObject() input!: Record<string, unknown>;
  @IsString() @IsNotEmpty() @MaxLength(IDEOGRAM_TOKEN_MAX_LENGTH) token!: string;
}

export interface IdeogramSubmitAsCallerReply {
  answer: unknown;
}

/** A user's gallery (`/api/g/u`), as the original's `GET /api/u` forwarded it. */
export class IdeogramGalleryRequest extends CallerToken {
  @Matches(IDEOGRAM_ID) userId!: string;
  @IsString() @Matches(IDEOGRAM_OPTION, option) allPrivacy: string = 'true';
  @IsString() @Matches(IDEOGRAM_OPTION, option) filters: string = 'everything';
}

export interface IdeogramGalleryReply {
  gallery: unknown;
}

/** The web app's bulk download (`POST /api/d/images`): one image, or a zip of several. */
export class IdeogramBulkDownloadRequest extends CallerToken {
  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(100) @Matches(IDEOGRAM_ID, { each: true }) imageIds!: string[];
  @IsBoolean() coverOnly: boolean = false;
  @IsArray() @ArrayMaxSize(100) @Matches(IDEOGRAM_ID, { each: true }) requestIds: string[] = [];
}

export class IdeogramUploadRequest extends CallerToken {
  @IsUrl(URL_OPTS) imageUrl!: string;
}

export class IdeogramCaptionRequest extends CallerToken {
  @Matches(IDEOGRAM_ID) uploadId!: string;
}

export class IdeogramRequestMetadataRequest extends CallerToken {
  @Matches(IDEOGRAM_ID) requestId!: string;
}

export class IdeogramDownloadRequest extends CallerToken {
  @Matches(IDEOGRAM_ID) responseId!: string;
  /** Passed to the site as the original did (it names PNG and JPEG; others are the site's to refuse). */
  @IsOptional() @IsString() @Matches(IDEOGRAM_OPTION, option) quality?: string;
  @IsOptional() @IsIn(['2K', '4K', '8K']) resolution?: string;
}

export interface IdeogramUploadReply {
  uploadId: string;
}

export interface IdeogramCaptionReply {
  /** null when Ideogram returned no description. */
  caption: string | null;
}

export interface IdeogramMetadataReply {
  metadata: unknown;
}
