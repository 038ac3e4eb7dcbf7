import type { Type } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { GatewayException } from '../../errors/gateway.exception.js';
import { httpValidationPipe } from '../../errors/validation.pipe.js';
import {
  BulkDownloadBody,
  DownloadQuery,
  GalleryQuery,
  GenCustomBody,
  GenImagePromptBody,
  GenerateVariationsBody,
  RemixBody,
  RemoveBackgroundBody,
  UpscaleBody,
} from './ideogram-compat.dto.js';
import { GenerateDto, RemixDto } from './ideogram.dto.js';

const pipe = httpValidationPipe();
const IMAGE = 'https://x.example/a.png';

/** The field the gateway's 400 names, or null when the request passes. */
async function refusal(metatype: Type<unknown>, value: unknown, type: 'body' | 'query' = 'body') {
  try {
    await pipe.transform(value, { type, metatype });
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayException);
    expect((error as GatewayException).code).toBe('INVALID_REQUEST');
    return ((error as GatewayException).details as Array<{ field: string }>)[0].field;
  }
}

describe('the original Ideogram routes ignore fields they do not know, as the original did', () => {
  it.each([
    ['remix', RemixBody, { imageUrl: IMAGE, prompt: 'p', workflow: 'n8n', retries: 3 }],
    ['upscale', UpscaleBody, { request_id: 'a'.repeat(22), response_id: 'b'.repeat(22), promptText: 'p', extra: 1 }],
  ] as Array<[string, Type<unknown>, Record<string, unknown>]>)('%s drops them', async (_, metatype, body) => {
    const out = (await pipe.transform(body, { type: 'body', metatype })) as Record<string, unknown>;
    expect(Object.keys(out)).not.toContain('workflow');
    expect(Object.keys(out)).not.toContain('extra');
  });

  it('while /v1 refuses them', async () => {
    expect(await refusal(RemixDto, { image_url: IMAGE, prompt: 'p', workflow: 'n8n' })).toBe('workflow');
  });
});

describe('the original Ideogram routes take the site’s vocabularies as given', () => {
  const accepted: Array<[string, Type<unknown>, Record<string, unknown>]> = [
    ['the README’s DESIGN style', RemixBody, { imageUrl: IMAGE, style: 'DESIGN' }],
    ['a style Ideogram may add', RemixBody, { imageUrl: IMAGE, style: 'WATERCOLOR_V2' }],
    ['an unknown magic prompt', RemixBody, { imageUrl: IMAGE, magicPrompt: 'SMART' }],
    ['any prompt source (the original used the prompt)', RemixBody, { imageUrl: IMAGE, promptSource: 'USER' }],
    ['a size the site may offer', RemixBody, { imageUrl: IMAGE, resolution: { width: 1536, height: 640 } }],
    ['an empty style (the default)', RemixBody, { imageUrl: IMAGE, style: '' }],
    ['the n8n flow’s body', RemixBody, { imageUrl: IMAGE, imageWeight: 70, magicPrompt: 'AUTO', num_images: 1 }],
    ['a numeric string weight', RemixBody, { imageUrl: IMAGE, imageWeight: '70' }],
    ['variations: falsy magic prompt', GenerateVariationsBody, { imageUrl: IMAGE, magicPrompt: '', imageWeight: 0 }],
    ['variations: an unknown style', GenerateVariationsBody, { imageUrl: IMAGE, style: 'DESIGN' }],
    [
      'gencustom: unknown options and speed',
      GenCustomBody,
      {
        imageId: 'up1',
        promptText: 'p',
        style_expert: 'DESIGN',
        use_autoprompt_option: 'SMART',
        parent_type: 'REMIX_V2',
        sampling_speed: 7,
        resolution: { width: 1408, height: 704 },
      },
    ],
    [
      'upscale: another model',
      UpscaleBody,
      { request_id: 'r', response_id: 's', promptText: 'p', model_version: 'V_4_0', sampling_speed: -3 },
    ],
    ['removebackground: another asset type', RemoveBackgroundBody, { asset_id: 'a', asset_type: 'CANVAS' }],
    [
      'genimageprompt: unknown style and model',
      GenImagePromptBody,
      { prompt: 'p', style_expert: 'DESIGN', model_version: 'V_3_1_TURBO', resolution: { width: 1536, height: 640 } },
    ],
    ['bulk download: one id', BulkDownloadBody, { image_ids: ['resp_1'] }],
    [
      'bulk download: all fields',
      BulkDownloadBody,
      { image_ids: ['a', 'b'], cover_only: true, request_ids: ['req_1'] },
    ],
  ];
  it.each(accepted)('accepts %s', async (_name, metatype, body) => {
    expect(await refusal(metatype, body)).toBeNull();
  });

  const refused: Array<[string, Type<unknown>, Record<string, unknown>, string]> = [
    ['a style that is not text', RemixBody, { imageUrl: IMAGE, style: 5 }, 'style'],
    ['a style with a control character', RemixBody, { imageUrl: IMAGE, style: 'DESIGN\n' }, 'style'],
    ['a style past 64 characters', RemixBody, { imageUrl: IMAGE, magicPrompt: 'A'.repeat(65) }, 'magicPrompt'],
    ['a weight past the site’s 1–100', RemixBody, { imageUrl: IMAGE, imageWeight: 101 }, 'imageWeight'],
    ['a weight of 0 on remix', RemixBody, { imageUrl: IMAGE, imageWeight: 0 }, 'imageWeight'],
    ['a fractional weight', RemixBody, { imageUrl: IMAGE, imageWeight: 70.5 }, 'imageWeight'],
    ['a tiny resolution', RemixBody, { imageUrl: IMAGE, resolution: { width: 10, height: 1024 } }, 'resolution.width'],
    ['a resolution that is text', RemixBody, { imageUrl: IMAGE, resolution: '1024x1024' }, 'resolution'],
    ['five images', RemixBody, { imageUrl: IMAGE, num_images: 5 }, 'num_images'],
    [
      'an absurd sampling speed',
      GenCustomBody,
      { imageId: 'u', promptText: 'p', sampling_speed: 1e6 },
      'sampling_speed',
    ],
    ['a fractional sampling speed', GenImagePromptBody, { prompt: 'p', sampling_speed: 1.5 }, 'sampling_speed'],
    ['an asset type with a NUL', RemoveBackgroundBody, { asset_id: 'a', asset_type: 'A\u0000' }, 'asset_type'],
    ['bulk download without ids', BulkDownloadBody, {}, 'image_ids'],
    ['bulk download with no ids', BulkDownloadBody, { image_ids: [] }, 'image_ids'],
    ['bulk download with a path', BulkDownloadBody, { image_ids: ['../x'] }, 'image_ids'],
    ['bulk download of 101 ids', BulkDownloadBody, { image_ids: Array(101).fill('a') }, 'image_ids'],
    ['bulk download with ids as text', BulkDownloadBody, { image_ids: 'a' }, 'image_ids'],
    ['cover_only as text', BulkDownloadBody, { image_ids: ['a'], cover_only: 'yes' }, 'cover_only'],
  ];
  it.each(refused)('refuses %s', async (_name, metatype, body, field) => {
    expect(await refusal(metatype, body)).toBe(field);
  });

  it('validates the gallery and download queries by shape', async () => {
    expect(await refusal(GalleryQuery, { user_id: 'u_1', all_privacy: 'false', filters: 'likes' }, 'query')).toBeNull();
    expect(await refusal(GalleryQuery, {}, 'query')).toBe('user_id');
    expect(await refusal(GalleryQuery, { user_id: 'a/b' }, 'query')).toBe('user_id');
    expect(await refusal(DownloadQuery, { quality: 'WEBP' }, 'query')).toBeNull();
    expect(await refusal(DownloadQuery, { quality: 'A\tB' }, 'query')).toBe('quality');
  });
});

describe('/v1/ideogram stays strict, with the current style list', () => {
  const cases: Array<[string, Type<unknown>, Record<string, unknown>, string | null]> = [
    ['DESIGN', RemixDto, { image_url: IMAGE, style: 'DESIGN' }, null],
    ['DESIGN on generate', GenerateDto, { prompt: 'p', style: 'DESIGN' }, null],
    ['an unknown style', GenerateDto, { prompt: 'p', style: 'WATERCOLOR' }, 'style'],
    ['an unknown magic prompt', GenerateDto, { prompt: 'p', magic_prompt: 'SMART' }, 'magic_prompt'],
    ['an unknown model', GenerateDto, { prompt: 'p', model_version: 'V_4_0' }, 'model_version'],
    ['an unlisted resolution', GenerateDto, { prompt: 'p', resolution: { width: 1536, height: 640 } }, 'resolution'],
    ['an unknown prompt source', RemixDto, { image_url: IMAGE, prompt_source: 'USER' }, 'prompt_source'],
    ['a weight of 101', RemixDto, { image_url: IMAGE, image_weight: 101 }, 'image_weight'],
  ];
  it.each(cases)('%s', async (_name, metatype, body, field) => {
    expect(await refusal(metatype, body)).toBe(field);
  });
});
