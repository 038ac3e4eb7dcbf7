import { plainToInstance } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import {
  IdeogramGeneratePayload,
  IdeogramRemixPayload,
  IdeogramRemoveBackgroundPayload,
  IdeogramUpscalePayload,
  ProviderException,
  parsePayload,
} from '@app/contracts';
import { GatewayException } from '../errors/gateway.exception.js';
import {
  GenCustomBody,
  GenImagePromptBody,
  GenerateVariationsBody,
  RemixBody,
  RemoveBackgroundBody,
  UpscaleBody,
} from './dto/ideogram-compat.dto.js';
import { GenerateDto, RemixDto, UpscaleDto } from './dto/ideogram.dto.js';
import {
  compatCustomInput,
  compatGenImagePromptInput,
  compatRemixInput,
  compatRemoveBackgroundInput,
  compatUpscaleInput,
  compatVariationsInput,
  generateInput,
  remixInput,
  sizeOf,
  upscaleInput,
} from './ideogram-mapping.js';

/** Every mapped input must pass the worker's own validation (the same contracts class). */
function workerAccepts<T extends object>(cls: new () => T, input: object): T {
  const clean = JSON.parse(JSON.stringify(input)) as object;
  try {
    return parsePayload(cls, clean);
  } catch (error) {
    throw new Error(`worker refuses ${JSON.stringify(clean)}: ${JSON.stringify((error as ProviderException).details)}`);
  }
}

describe('v1 DTO → payload', () => {
  it('maps a remix with snake_case fields and an aspect ratio', () => {
    const dto = plainToInstance(RemixDto, {
      image_url: 'https://x.example/a.png',
      prompt: 'p',
      prompt_source: 'MANUAL',
      image_weight: 40,
      magic_prompt: 'OFF',
      style: 'ANIME',
      aspect_ratio: '2:3',
      num_images: 3,
    });
    const input = remixInput(dto);
    expect(JSON.parse(JSON.stringify(input))).toEqual({
      imageUrl: 'https://x.example/a.png',
      prompt: 'p',
      promptSource: 'MANUAL',
      imageWeight: 40,
      magicPrompt: 'OFF',
      style: 'ANIME',
      resolution: { width: 832, height: 1248 },
      numImages: 3,
      layout: 'remix',
    });
    expect(workerAccepts(IdeogramRemixPayload, input).samplingSpeed).toBe(-2);
  });

  it('leaves unset fields to the payload defaults', () => {
    const input = generateInput(plainToInstance(GenerateDto, { prompt: 'a fox' }));
    expect(JSON.parse(JSON.stringify(input))).toEqual({ prompt: 'a fox' });
    expect(workerAccepts(IdeogramGeneratePayload, input)).toMatchObject({ numImages: 1, magicPrompt: 'ON' });
  });

  it('takes an aspect ratio or a resolution, never both', () => {
    expect(sizeOf('16:9', undefined)).toEqual({ width: 1312, height: 736 });
    expect(sizeOf(undefined, { width: 1024, height: 1024 })).toEqual({ width: 1024, height: 1024 });
    expect(sizeOf(undefined, undefined)).toBeUndefined();
    expect(() => sizeOf('1:1', { width: 1024, height: 1024 })).toThrow(GatewayException);
  });

  it('upscales with the earlier job’s prompt and size unless the request says otherwise', () => {
    const source = { requestId: 'r', responseId: 's', prompt: 'from the job', size: { width: 800, height: 1280 } };
    const input = upscaleInput(plainToInstance(UpscaleDto, { upscale_factor: 'X2' }), source);
    expect(input).toEqual({
      requestId: 'r',
      responseId: 's',
      prompt: 'from the job',
      upscaleFactor: 'X2',
      resolution: { width: 800, height: 1280 },
    });
    expect(upscaleInput(plainToInstance(UpscaleDto, { prompt: 'mine' }), source).prompt).toBe('mine');
    workerAccepts(IdeogramUpscalePayload, input);
  });
});

describe('original bodies → payload, with the original defaults', () => {
  it('remix: 70, AUTO everywhere, 800×1280, one image', () => {
    const input = compatRemixInput(plainToInstance(RemixBody, { imageUrl: 'https://x.example/a.png' }));
    expect(input).toMatchObject({
      prompt: '',
      promptSource: 'AUTO',
      imageWeight: 70,
      magicPrompt: 'AUTO',
      style: 'AUTO',
      resolution: { width: 800, height: 1280 },
      numImages: 1,
      layout: 'remix',
    });
    workerAccepts(IdeogramRemixPayload, input);
  });

  it.each([
    [undefined, 'AUTO'],
    ['AUTO', 'AUTO'],
    ['MANUAL', 'MANUAL'],
    ['auto', 'MANUAL'],
    ['USER', 'MANUAL'],
  ])('remix: promptSource %s captions like the original’s === "AUTO" (→ %s)', (given, expected) => {
    const body = plainToInstance(RemixBody, { imageUrl: 'https://x.example/a.png', promptSource: given });
    expect(workerAccepts(IdeogramRemixPayload, compatRemixInput(body)).promptSource).toBe(expected);
  });

  it('passes the site’s vocabularies through to the worker unchanged', () => {
    const remix = compatRemixInput(
      plainToInstance(RemixBody, {
        imageUrl: 'https://x.example/a.png',
        style: 'DESIGN',
        magicPrompt: 'SMART',
        resolution: { width: 1536, height: 640 },
      }),
    );
    expect(workerAccepts(IdeogramRemixPayload, remix)).toMatchObject({
      style: 'DESIGN',
      magicPrompt: 'SMART',
      resolution: { width: 1536, height: 640 },
    });
    const gen = compatGenImagePromptInput(
      plainToInstance(GenImagePromptBody, {
        prompt: 'p',
        style_expert: 'DESIGN',
        model_version: 'V_4',
        sampling_speed: 9,
      }),
    );
    expect(workerAccepts(IdeogramGeneratePayload, gen)).toMatchObject({
      style: 'DESIGN',
      modelVersion: 'V_4',
      samplingSpeed: 9,
    });
    const custom = compatCustomInput(
      plainToInstance(GenCustomBody, { imageId: 'u', promptText: 'p', parent_type: 'REMIX_V2' }),
    );
    expect(workerAccepts(IdeogramRemixPayload, custom).parentType).toBe('REMIX_V2');
    const bg = compatRemoveBackgroundInput(plainToInstance(RemoveBackgroundBody, { asset_id: 'a', asset_type: 'X' }));
    expect(workerAccepts(IdeogramRemoveBackgroundPayload, bg).assetType).toBe('X');
  });

  it('generate-variations: falsy weight → 50, falsy magic prompt → ON, caption always, 832×1248 × 4', () => {
    const input = compatVariationsInput(
      plainToInstance(GenerateVariationsBody, {
        imageUrl: 'https://x.example/a.png',
        imageWeight: 0,
        magicPrompt: '',
        prompt: 'ignored',
      }),
    );
    expect(input).toMatchObject({
      prompt: '',
      promptSource: 'AUTO',
      imageWeight: 50,
      magicPrompt: 'ON',
      resolution: { width: 832, height: 1248 },
      numImages: 4,
      layout: 'variation',
    });
    workerAccepts(IdeogramRemixPayload, input);
    expect(
      compatVariationsInput(plainToInstance(GenerateVariationsBody, { imageUrl: 'https://x', imageWeight: 80 }))
        .imageWeight,
    ).toBe(80);
  });

  it('gencustom: the upload id and the prompt as given, with the original sample options', () => {
    const input = compatCustomInput(
      plainToInstance(GenCustomBody, { imageId: 'up-1', promptText: 'p', parent_weight: 30, sampling_speed: 0 }),
    );
    expect(input).toMatchObject({
      imageId: 'up-1',
      prompt: 'p',
      promptSource: 'MANUAL',
      imageWeight: 30,
      magicPrompt: 'ON',
      samplingSpeed: 0,
      parentType: 'VARIATION',
      numImages: 4,
      layout: 'custom',
    });
    expect(input).not.toHaveProperty('imageUrl');
    workerAccepts(IdeogramRemixPayload, input);
  });

  it('upscale: V_0_3, OFF, weight 100, 896×1024', () => {
    const input = compatUpscaleInput(
      plainToInstance(UpscaleBody, {
        request_id: 'r',
        response_id: 's',
        promptText: 'p',
        upscale_details_weight: null,
      }),
    );
    expect(input).toEqual({
      requestId: 'r',
      responseId: 's',
      prompt: 'p',
      modelVersion: 'V_0_3',
      magicPrompt: 'OFF',
      samplingSpeed: -2,
      weight: 100,
      resolution: { width: 896, height: 1024 },
      useRandomStyleCodes: false,
      private: true,
    });
    workerAccepts(IdeogramUpscalePayload, input);
  });

  it('genimageprompt: V_3_0, ON, 1312×736, four images; removebackground: a RESPONSE asset', () => {
    const input = compatGenImagePromptInput(plainToInstance(GenImagePromptBody, { prompt: 'p' }));
    expect(input).toMatchObject({
      modelVersion: 'V_3_0',
      magicPrompt: 'ON',
      resolution: { width: 1312, height: 736 },
      numImages: 4,
      private: true,
    });
    workerAccepts(IdeogramGeneratePayload, input);
    expect(compatRemoveBackgroundInput(plainToInstance(RemoveBackgroundBody, { asset_id: 'a' }))).toEqual({
      assetType: 'RESPONSE',
      assetId: 'a',
    });
  });
});
