import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  isURL,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { IsNotBlank } from './validators.js';

/** A style reference: an http(s) URL or a style code (digits/letters). */
const STYLE_REF = /^(https?:\/\/\S+|[A-Za-z0-9_-]{1,64})$/;

/** `personalize`: a boolean, or a personalization code (letters, digits). */
function IsPersonalization(): PropertyDecorator {
  return ValidateBy({
    name: 'isPersonalization',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'boolean' || (typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value)),
      defaultMessage: () => 'personalize must be a boolean or a personalization code',
    },
  });
}

/** Limits the original never enforced; PROVIDERS.md §1.2. Ranges marked unverified there are kept permissive. */
export const MJ_VERSIONS = ['5', '5.1', '5.2', '6', '6.1', '7'] as const;
export const MJ_NIJI_VERSIONS = ['5', '6'] as const;
export const MJ_MODES = ['relaxed', 'relax', 'fast', 'turbo'] as const;
/**
 * The one place the mode's spelling on the wire is decided: public web clients send `relax` (PROVIDERS.md §7); the
 * original sent `relaxed`, which stays accepted as input.
 */
export const MJ_SITE_MODE: Record<(typeof MJ_MODES)[number], 'relax' | 'fast' | 'turbo'> = {
  relaxed: 'relax',
  relax: 'relax',
  fast: 'fast',
  turbo: 'turbo',
};
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
  // Typed forms of flags users otherwise hand-type (PROVIDERS.md §2.6, §7); URLs are uploaded to MJ first.
  /** Style references (`--sref`): image URLs (uploaded first) or style codes. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @Matches(STYLE_REF, { each: true, message: 'style_refs must be http(s) URLs or style codes' })
  style_refs?: string[];
  /** `--sw` 0–1000 (with style_refs). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) style_weight?: number;
  /** Omni reference image (`--oref`, v7 only, not with niji): a URL, uploaded first. */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) omni_ref?: string;
  /** `--ow` 1–1000 (with omni_ref). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) omni_weight?: number;
  /** `--iw` 0–3 (with an image prompt). */
  @IsOptional() @Type(() => Number) @Min(0) @Max(3) image_weight?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(4_294_967_295) seed?: number;
  /** `--no <words>`: what to leave out. */
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(500)
  @Matches(/^(?!.*--)[^\n]*$/, { message: 'no must not contain flags' })
  no?: string;
  @IsOptional() @IsBoolean() raw?: boolean;
  /** `--p`: true for the account's default profile, or a personalization code. */
  @IsOptional() @IsPersonalization() personalize?: boolean | string;
  @IsOptional() @IsBoolean() draft?: boolean;
  /** `--exp` 0–100. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) exp?: number;
}

/** Image types the gateway takes in request bodies (sniffed from the bytes) and the site takes as uploads. */
export const MJ_UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
/** Image prompts per imagine, images per blend: the site's and the proxies' limit. */
export const MJ_MAX_IMAGE_PROMPTS = 5;

/**
 * An image the gateway stored from a request body (base64, as midjourney-proxy clients send it); the worker reads
 * it back from storage and uploads it to the site like a fetched reference URL.
 */
export class MidjourneyStoredImage {
  @IsString() @MinLength(1) @MaxLength(200) bucket!: string;
  @IsString() @MinLength(1) @MaxLength(500) path!: string;
  @IsIn(MJ_UPLOAD_TYPES) contentType!: string;
}

/** The account a job is pinned to (`JobMessage.account`): a follow-up's parent's, or one a /mj/* client chose. */
const account = () => [IsOptional(), IsString(), IsNotEmpty(), MaxLength(200)];
function Account(): PropertyDecorator {
  return (target, key) => account().forEach((decorate) => decorate(target, key));
}

function Uploads(max: number): PropertyDecorator {
  const decorators = [
    IsOptional(),
    IsArray(),
    ArrayMaxSize(max),
    ValidateNested({ each: true }),
    Type(() => MidjourneyStoredImage),
  ];
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

/** An image given as a URL or as a stored upload: exactly one of the two (`field` and `field`'s upload twin). */
function OneOf(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'oneOf',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        (value !== undefined) !== ((args?.object as Record<string, unknown>)[other] !== undefined),
      defaultMessage: (args?: ValidationArguments) => `exactly one of ${args?.property} and ${other} is required`,
    },
  });
}

/** An http(s) URL when present (beside OneOf, which needs the property validated even when it is absent). */
function UrlIfGiven(): PropertyDecorator {
  return ValidateBy({
    name: 'urlIfGiven',
    validator: {
      validate: (value: unknown) =>
        value === undefined ||
        (typeof value === 'string' &&
          isURL(value, { protocols: ['http', 'https'], require_tld: false, require_protocol: true })),
      defaultMessage: (args?: ValidationArguments) => `${args?.property} must be an http(s) URL`,
    },
  });
}

export class MidjourneyImaginePayload {
  @IsString() @IsNotBlank() @MaxLength(4000) prompt!: string;
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) imageUrl?: string;
  @ValidateNested() @Type(() => MidjourneyImagineOptions) options: MidjourneyImagineOptions =
    new MidjourneyImagineOptions();
  /** Image prompts uploaded in the request body (after `imageUrl`, if any). */
  @Uploads(MJ_MAX_IMAGE_PROMPTS) uploads?: MidjourneyStoredImage[];
  @Account() account?: string;
  /** A /mj/* request's state, notifyHook and action name: kept with the job for the gateway; the worker ignores it. */
  @IsOptional() @IsObject() mjproxy?: Record<string, unknown>;
}

export class MidjourneyVideoPayload {
  /** The start frame: a URL, or `upload` (exactly one). */
  @OneOf('upload') @UrlIfGiven() imageUrl?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyStoredImage) upload?: MidjourneyStoredImage;
  /** The end frame (`--end`): a URL or `endUpload`; or `loop` to end on the start frame. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  endImageUrl?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyStoredImage) endUpload?: MidjourneyStoredImage;
  @IsOptional() @IsBoolean() loop?: boolean;
  @IsString() @IsNotBlank() @MaxLength(4000) textPrompt: string = 'cinematic video, smooth motion';
  @Type(() => Number) @IsInt() @Min(0) @Max(100) chaos: number = 5;
  @IsString() @Matches(/^[1-9]\d*:[1-9]\d*$/) ar: string = '4:3';
  @IsIn(MJ_MOTIONS) motion: 'low' | 'high' = 'high';
  @IsIn(MJ_MODES) mode: MidjourneyMode = 'fast';
  @IsBoolean() private: boolean = false;
  /** Videos per job (MJ `--bs`); MJ renders 4 by default. */
  @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batchSize?: number;
  @Account() account?: string;
  /** A /mj/* request's state, notifyHook and action name: kept with the job for the gateway; the worker ignores it. */
  @IsOptional() @IsObject() mjproxy?: Record<string, unknown>;
}

export class ProxyImageRequest {
  @IsString()
  @IsNotEmpty()
  @IsUrl({ protocols: ['https', 'http'], require_tld: false, require_protocol: true })
  url!: string;
}

// ------------------------------------------------------------ follow-ups (actions), describe, blend

/** Follow-ups of a finished job: `POST /v1/midjourney/actions` with one of these as `action`. */
export const MJ_ACTIONS = ['upscale', 'vary', 'reroll', 'pan', 'zoom', 'animate', 'extend'] as const;
export type MidjourneyAction = (typeof MJ_ACTIONS)[number];
/** What a worker runs (zoom has no recorded web body: PROVIDERS.md §2.2, so the gateway answers NOT_SUPPORTED). */
export const MJ_RUNNABLE_ACTIONS = ['upscale', 'vary', 'reroll', 'pan', 'animate', 'extend'] as const;
export type MidjourneyRunnableAction = (typeof MJ_RUNNABLE_ACTIONS)[number];
export const MJ_PAN_DIRECTIONS = ['up', 'down', 'left', 'right'] as const;
export type MidjourneyPanDirection = (typeof MJ_PAN_DIRECTIONS)[number];
/** The site's pan `direction` numbers (PROVIDERS.md §2.2: 0 down, 1 right, 2 up, 3 left). */
export const MJ_PAN_DIRECTION_CODE: Record<MidjourneyPanDirection, number> = { down: 0, right: 1, up: 2, left: 3 };
/** Operations whose result is a grid of (up to) four images. */
export const MJ_GRID_OPERATIONS = ['imagine', 'blend', 'vary', 'reroll', 'pan'] as const;
/** Operations whose result is videos. */
export const MJ_VIDEO_OPERATIONS = ['video', 'animate', 'extend'] as const;

/**
 * The follow-ups a completed job allows, as strings clients turn into buttons. Grammar (documented in OpenAPI):
 *
 *   action  = "reroll" | verb ":" index | "pan:" index ":" direction
 *   verb    = "upscale" | "vary" | "animate" | "extend"
 *   index   = "1" … "4"   (our grid cells and videos count from 1; the site's from 0)
 *   direction = "up" | "down" | "left" | "right"
 *
 * A grid allows upscale, vary, pan and animate of each cell and a reroll; an upscaled image allows vary, pan and
 * animate of its one image; a video job allows extend of each of its videos; anything else (describe) none.
 */
export function allowedActions(parent: { operation: string; images: number; videos: number }): string[] {
  const cells = (n: number) => Array.from({ length: Math.min(4, n) }, (_, i) => i + 1);
  const ofImages = (indexes: number[], verbs: string[]) =>
    indexes.flatMap((i) => [
      ...verbs.map((verb) => `${verb}:${i}`),
      ...MJ_PAN_DIRECTIONS.map((direction) => `pan:${i}:${direction}`),
      `animate:${i}`,
    ]);
  if ((MJ_GRID_OPERATIONS as readonly string[]).includes(parent.operation) && parent.images > 0) {
    return [...ofImages(cells(parent.images), ['upscale', 'vary']), 'reroll'];
  }
  if (parent.operation === 'upscale' && parent.images > 0) return ofImages([1], ['vary']);
  if ((MJ_VIDEO_OPERATIONS as readonly string[]).includes(parent.operation)) {
    return cells(parent.videos).map((i) => `extend:${i}`);
  }
  return [];
}

/** The action string a request names (the form `allowedActions` lists). */
export function actionString(action: string, index?: number, direction?: string): string {
  if (action === 'reroll') return 'reroll';
  if (action === 'pan') return `pan:${index ?? 1}:${direction ?? ''}`;
  return `${action}:${index ?? 1}`;
}

/** Worker input of a follow-up; the job's operation is the action. Indexes are ours (1–4); the worker maps them. */
export class MidjourneyActionPayload {
  @IsIn(MJ_RUNNABLE_ACTIONS) action!: MidjourneyRunnableAction;
  /** The gateway job the follow-up acts on, and Midjourney's id of it (what the site wants as `id`). */
  @IsUUID() parentJobId!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) parentProviderJobId!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) index?: number;
  @IsOptional() @IsIn(['subtle', 'creative']) type?: 'subtle' | 'creative';
  @IsOptional() @IsIn(['subtle', 'strong']) strength?: 'subtle' | 'strong';
  /** Remix text (vary, reroll, pan) or the video's text (animate, extend). */
  @IsOptional() @IsString() @MaxLength(4000) prompt?: string;
  /** The parent's own prompt as submitted: reroll and pan resend it when no new one is given. */
  @IsOptional() @IsString() @MaxLength(8000) parentPrompt?: string;
  @IsOptional() @IsIn(MJ_PAN_DIRECTIONS) direction?: MidjourneyPanDirection;
  @IsOptional() @IsIn(MJ_MOTIONS) motion?: 'low' | 'high';
  @IsOptional() @Type(() => Number) @IsIn([480, 720]) resolution?: 480 | 720;
  @IsOptional() @Type(() => Number) @IsIn([1, 2, 4]) batchSize?: number;
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  endImageUrl?: string;
  @IsOptional() @IsBoolean() loop?: boolean;
  @IsOptional() @IsIn(MJ_MODES) mode?: MidjourneyMode;
  @IsOptional() @IsBoolean() private?: boolean;
  /** The account that made the parent: the job is pinned to it (`JobMessage.account`). */
  @Account() account?: string;
  /** A /mj/* request's state, notifyHook and action name: kept with the job for the gateway; the worker ignores it. */
  @IsOptional() @IsObject() mjproxy?: Record<string, unknown>;
}

export class MidjourneyDescribePayload {
  /** The image: a URL, or `upload` (exactly one). */
  @OneOf('upload') @UrlIfGiven() imageUrl?: string;
  @IsOptional() @ValidateNested() @Type(() => MidjourneyStoredImage) upload?: MidjourneyStoredImage;
  @Account() account?: string;
  /** A /mj/* request's state, notifyHook and action name: kept with the job for the gateway; the worker ignores it. */
  @IsOptional() @IsObject() mjproxy?: Record<string, unknown>;
}

export const MJ_BLEND_DIMENSIONS = ['portrait', 'square', 'landscape'] as const;
/** Blend's dimensions as the `--ar` they mean (the Discord-era /blend sizes: 2:3, 1:1, 3:2). */
export const MJ_BLEND_AR: Record<(typeof MJ_BLEND_DIMENSIONS)[number], string> = {
  portrait: '2:3',
  square: '1:1',
  landscape: '3:2',
};

export class MidjourneyBlendPayload {
  /** Image URLs; with `uploads`, 2–5 images in all (URLs first). */
  @ValidateBy({
    name: 'blendCount',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const uploads = (args?.object as { uploads?: unknown }).uploads;
        const count = (Array.isArray(value) ? value.length : 0) + (Array.isArray(uploads) ? uploads.length : 0);
        return count >= 2 && count <= MJ_MAX_IMAGE_PROMPTS;
      },
      defaultMessage: () => `a blend takes 2–${MJ_MAX_IMAGE_PROMPTS} images (imageUrls and uploads together)`,
    },
  })
  @IsArray()
  @ArrayMaxSize(MJ_MAX_IMAGE_PROMPTS)
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { each: true })
  imageUrls: string[] = [];
  @Uploads(MJ_MAX_IMAGE_PROMPTS) uploads?: MidjourneyStoredImage[];
  @IsIn(MJ_BLEND_DIMENSIONS) dimensions: (typeof MJ_BLEND_DIMENSIONS)[number] = 'square';
  @IsOptional() @IsIn(MJ_MODES) mode?: MidjourneyMode;
  @IsOptional() @IsBoolean() private?: boolean;
  @Account() account?: string;
  /** A /mj/* request's state, notifyHook and action name: kept with the job for the gateway; the worker ignores it. */
  @IsOptional() @IsObject() mjproxy?: Record<string, unknown>;
}
