import {
  IDEOGRAM_ASPECT_RATIOS,
  type IdeogramGeneratePayload,
  type IdeogramRemixPayload,
  type IdeogramRemoveBackgroundPayload,
  type IdeogramUpscalePayload,
} from '@app/contracts';
import { GatewayException } from '../errors/gateway.exception.js';
import type {
  GenCustomBody,
  GenImagePromptBody,
  GenerateVariationsBody,
  RemixBody,
  RemoveBackgroundBody,
  UpscaleBody,
} from './dto/ideogram-compat.dto.js';
import type { GenerateDto, RemixDto, UpscaleDto } from './dto/ideogram.dto.js';

// Request bodies → job payloads (validated again by the worker against the contracts classes). The /v1 routes leave
// unset fields to the payload defaults; the original routes apply the original's defaults here, explicitly, so the
// stored input shows what each original route meant.

/** `aspect_ratio` or `resolution`, never both (PROVIDERS.md §3.5). */
export function sizeOf(
  aspectRatio: string | undefined,
  resolution: { width: number; height: number } | undefined,
): { width: number; height: number } | undefined {
  if (aspectRatio && resolution) {
    throw new GatewayException('INVALID_REQUEST', 'Give aspect_ratio or resolution, not both');
  }
  if (aspectRatio) {
    const [width, height] = IDEOGRAM_ASPECT_RATIOS[aspectRatio];
    return { width, height };
  }
  return resolution ? { width: resolution.width, height: resolution.height } : undefined;
}

type Input<T> = Partial<Omit<T, 'resolution'>> & { resolution?: { width: number; height: number } };

export function remixInput(dto: RemixDto): Input<IdeogramRemixPayload> {
  return {
    imageUrl: dto.image_url,
    imageId: dto.image_id,
    prompt: dto.prompt,
    promptSource: dto.prompt_source,
    imageWeight: dto.image_weight,
    magicPrompt: dto.magic_prompt,
    style: dto.style,
    resolution: sizeOf(dto.aspect_ratio, dto.resolution),
    numImages: dto.num_images,
    modelVersion: dto.model_version,
    layout: 'remix',
  };
}

export function generateInput(dto: GenerateDto): Input<IdeogramGeneratePayload> {
  return {
    prompt: dto.prompt,
    resolution: sizeOf(dto.aspect_ratio, dto.resolution),
    magicPrompt: dto.magic_prompt,
    style: dto.style,
    numImages: dto.num_images,
    modelVersion: dto.model_version,
  };
}

/** Upscale by ids; the prompt and input size come from the earlier job when it is one of ours. */
export function upscaleInput(
  dto: UpscaleDto,
  source: { requestId: string; responseId: string; prompt?: string; size?: { width: number; height: number } },
): Input<IdeogramUpscalePayload> {
  return {
    requestId: source.requestId,
    responseId: source.responseId,
    prompt: dto.prompt ?? source.prompt,
    upscaleFactor: dto.upscale_factor,
    resolution: source.size,
  };
}

// ---------------------------------------------------------------- the original routes (PROVIDERS.md §1.3)

export function compatRemixInput(body: RemixBody): Input<IdeogramRemixPayload> {
  return {
    imageUrl: body.imageUrl,
    prompt: body.prompt ?? '',
    // The original captioned only on exactly 'AUTO' (or an empty prompt): any other value meant the given prompt.
    promptSource: (body.promptSource ?? 'AUTO') === 'AUTO' ? 'AUTO' : 'MANUAL',
    imageWeight: body.imageWeight ?? 70,
    magicPrompt: body.magicPrompt ?? 'AUTO',
    style: body.style ?? 'AUTO',
    resolution: body.resolution ?? { width: 800, height: 1280 },
    numImages: body.num_images ?? 1,
    modelVersion: 'V_3_0',
    layout: 'remix',
  };
}

/** Always captioned (a given prompt is ignored, as in the original), 832×1248, 4 images. */
export function compatVariationsInput(body: GenerateVariationsBody): Input<IdeogramRemixPayload> {
  return {
    imageUrl: body.imageUrl,
    prompt: '',
    promptSource: 'AUTO',
    imageWeight: body.imageWeight || 50,
    magicPrompt: body.magicPrompt || 'ON',
    style: body.style ?? 'AUTO',
    resolution: { width: 832, height: 1248 },
    numImages: 4,
    modelVersion: 'V_3_0',
    layout: 'variation',
  };
}

/** An existing upload and a prompt: no upload, no caption. */
export function compatCustomInput(body: GenCustomBody): Input<IdeogramRemixPayload> {
  return {
    imageId: body.imageId,
    prompt: body.promptText,
    promptSource: 'MANUAL',
    imageWeight: body.parent_weight ?? 50,
    magicPrompt: body.use_autoprompt_option ?? 'ON',
    style: body.style_expert ?? 'AUTO',
    resolution: body.resolution ?? { width: 832, height: 1248 },
    numImages: body.num_images ?? 4,
    modelVersion: 'V_3_0',
    parentType: body.parent_type ?? 'VARIATION',
    samplingSpeed: body.sampling_speed ?? -2,
    useRandomStyleCodes: body.use_random_style_codes ?? false,
    layout: 'custom',
  };
}

export function compatUpscaleInput(body: UpscaleBody): Input<IdeogramUpscalePayload> {
  return {
    requestId: body.request_id,
    responseId: body.response_id,
    prompt: body.promptText,
    modelVersion: body.model_version ?? 'V_0_3',
    magicPrompt: body.use_autoprompt_option ?? 'OFF',
    samplingSpeed: body.sampling_speed ?? -2,
    weight: body.parent_weight ?? 100,
    ...(typeof body.upscale_details_weight === 'number' ? { detailsWeight: body.upscale_details_weight } : {}),
    resolution: body.resolution ?? { width: 896, height: 1024 },
    useRandomStyleCodes: body.use_random_style_codes ?? false,
    private: body.privateGeneration ?? true,
  };
}

export function compatRemoveBackgroundInput(body: RemoveBackgroundBody): Partial<IdeogramRemoveBackgroundPayload> {
  return { assetType: body.asset_type ?? 'RESPONSE', assetId: body.asset_id };
}

export function compatGenImagePromptInput(body: GenImagePromptBody): Input<IdeogramGeneratePayload> {
  return {
    prompt: body.prompt,
    style: body.style_expert ?? 'AUTO',
    modelVersion: body.model_version ?? 'V_3_0',
    magicPrompt: body.use_autoprompt_option ?? 'ON',
    samplingSpeed: body.sampling_speed ?? -2,
    resolution: body.resolution ?? { width: 1312, height: 736 },
    useRandomStyleCodes: body.use_random_style_codes ?? false,
    numImages: body.num_images ?? 4,
    private: body.privateGeneration ?? true,
  };
}
