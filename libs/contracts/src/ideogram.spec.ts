import { describe, expect, it } from 'vitest';
import { ProviderException } from './errors.js';
import {
  IDEOGRAM_ASPECT_RATIOS,
  IDEOGRAM_STYLES,
  IdeogramBulkDownloadRequest,
  IdeogramDescribePayload,
  IdeogramDownloadRequest,
  IdeogramGalleryRequest,
  IdeogramSubmitAsCallerRequest,
  IdeogramGeneratePayload,
  IdeogramRemixPayload,
  IdeogramUpscalePayload,
  isIdeogramResolution,
} from './ideogram.js';
import { parsePayload } from './rpc-validation.pipe.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderException);
    const details = (error as ProviderException).details as { problems: { field: string }[] };
    return details.problems.map((p) => p.field);
  }
  throw new Error('expected a validation failure');
}

describe('Ideogram payloads', () => {
  it('fills the original remix defaults', () => {
    const remix = parsePayload(IdeogramRemixPayload, { imageUrl: 'https://example.com/a.png' });
    expect(remix).toMatchObject({
      prompt: '',
      promptSource: 'AUTO',
      imageWeight: 70,
      magicPrompt: 'AUTO',
      style: 'AUTO',
      resolution: { width: 800, height: 1280 },
      numImages: 1,
      modelVersion: 'V_3_0',
      parentType: 'VARIATION',
      samplingSpeed: -2,
      layout: 'remix',
    });
  });

  it('needs an image URL or an upload id, and takes either', () => {
    expect(problems(() => parsePayload(IdeogramRemixPayload, {}))).toEqual(['imageUrl']);
    expect(parsePayload(IdeogramRemixPayload, { imageId: 'up_123-x' }).imageId).toBe('up_123-x');
    expect(problems(() => parsePayload(IdeogramRemixPayload, { imageUrl: 'ftp://x/a.png' }))).toEqual(['imageUrl']);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { imageId: '../etc/passwd' }))).toEqual(['imageId']);
  });

  it('enforces the limits the original never did: ids, URLs and the site’s documented ranges', () => {
    const base = { imageUrl: 'https://example.com/a.png' };
    const refused: Array<[string[], Record<string, unknown>]> = [
      [['imageWeight'], { imageWeight: 0 }],
      [['imageWeight'], { imageWeight: 101 }],
      [['imageWeight'], { imageWeight: 70.5 }],
      [['numImages'], { numImages: 5 }],
      [['promptSource'], { promptSource: 'USER' }],
      [['resolution.width', 'resolution.height'], { resolution: { width: 10, height: 10 } }],
      [['resolution.width'], { resolution: { width: 1024.5, height: 1024 } }],
      [['samplingSpeed'], { samplingSpeed: 1e9 }],
      [['unknown'], { unknown: 1 }],
    ];
    for (const [fields, over] of refused) {
      expect(
        problems(() => parsePayload(IdeogramRemixPayload, { ...base, ...over })),
        fields[0],
      ).toEqual(fields);
    }
  });

  it('takes the site’s vocabularies as plain text: a value it does not offer is the site’s to refuse', () => {
    const base = { imageUrl: 'https://example.com/a.png' };
    const accepted: Record<string, unknown>[] = [
      { style: 'DESIGN' },
      { style: 'WATERCOLOR' },
      { magicPrompt: 'MAYBE' },
      { modelVersion: 'V_4_0' },
      { parentType: 'REMIX_V2' },
      { samplingSpeed: 3 },
      { resolution: { width: 1536, height: 640 } },
    ];
    for (const over of accepted) {
      expect(parsePayload(IdeogramRemixPayload, { ...base, ...over }), JSON.stringify(over)).toMatchObject(over);
    }
    const refused: Array<[string, unknown]> = [
      ['style', ''],
      ['style', 'x'.repeat(65)],
      ['style', 'A\nB'],
      ['style', 'A\u0000'],
      ['magicPrompt', 7],
      ['modelVersion', ['V_3_0']],
    ];
    for (const [field, value] of refused) {
      expect(
        problems(() => parsePayload(IdeogramRemixPayload, { ...base, [field]: value })),
        field,
      ).toEqual([field]);
    }
    expect(parsePayload(IdeogramGeneratePayload, { prompt: 'x', style: 'DESIGN' }).style).toBe('DESIGN');
    expect(parsePayload(IdeogramUpscalePayload, { requestId: 'r', responseId: 's', modelVersion: 'V_4' })).toBeTruthy();
  });

  it('knows every listed resolution, DESIGN among the styles', () => {
    for (const [w, h] of Object.values(IDEOGRAM_ASPECT_RATIOS)) {
      expect(isIdeogramResolution({ width: w, height: h })).toBe(true);
      expect(parsePayload(IdeogramGeneratePayload, { prompt: 'x', resolution: { width: w, height: h } })).toBeTruthy();
    }
    expect(isIdeogramResolution({ width: 1024, height: 1023 })).toBe(false);
    expect(isIdeogramResolution(null)).toBe(false);
    expect(IDEOGRAM_STYLES).toContain('DESIGN');
  });

  it('requires a prompt to generate', () => {
    expect(problems(() => parsePayload(IdeogramGeneratePayload, { prompt: '' }))).toEqual(['prompt']);
    expect(parsePayload(IdeogramGeneratePayload, { prompt: 'a fox' })).toMatchObject({
      magicPrompt: 'ON',
      numImages: 1,
      private: true,
      resolution: { width: 1024, height: 1024 },
    });
  });

  it('upscales by request and response id, with an input size of any shape', () => {
    const upscale = parsePayload(IdeogramUpscalePayload, {
      requestId: 'req1',
      responseId: 'resp1',
      resolution: { width: 896, height: 1024 },
    });
    expect(upscale).toMatchObject({ upscaleFactor: 'X4', weight: 100, magicPrompt: 'OFF', modelVersion: 'AUTO' });
    expect(problems(() => parsePayload(IdeogramUpscalePayload, { requestId: 'req1' }))).toEqual(['responseId']);
  });

  it('describes a URL or an upload', () => {
    expect(problems(() => parsePayload(IdeogramDescribePayload, {}))).toEqual(['imageUrl']);
    expect(parsePayload(IdeogramDescribePayload, { uploadId: 'u1' }).uploadId).toBe('u1');
  });

  it('keeps download ids out of paths unless they are plain tokens', () => {
    expect(problems(() => parsePayload(IdeogramDownloadRequest, { responseId: 'a/b' }))).toEqual(['responseId']);
    expect(parsePayload(IdeogramDownloadRequest, { responseId: 'a', quality: 'GIF' }).quality).toBe('GIF');
    expect(problems(() => parsePayload(IdeogramDownloadRequest, { responseId: 'a', quality: 'A\rB' }))).toEqual([
      'quality',
    ]);
  });

  it('submits on a caller’s token only for the submit-only operations, and never without the token', () => {
    const ok = { operation: 'upscale', input: { requestId: 'r', responseId: 's' }, token: 't' };
    expect(parsePayload(IdeogramSubmitAsCallerRequest, ok).operation).toBe('upscale');
    expect(problems(() => parsePayload(IdeogramSubmitAsCallerRequest, { ...ok, operation: 'remix' }))).toEqual([
      'operation',
    ]);
    expect(problems(() => parsePayload(IdeogramSubmitAsCallerRequest, { ...ok, token: '' }))).toEqual(['token']);
    expect(problems(() => parsePayload(IdeogramSubmitAsCallerRequest, { ...ok, input: 'x' }))).toEqual(['input']);
  });

  it('bulk-downloads one to a hundred plain ids, and reads galleries by a plain user id', () => {
    expect(parsePayload(IdeogramBulkDownloadRequest, { imageIds: ['a', 'b'] })).toMatchObject({
      imageIds: ['a', 'b'],
      coverOnly: false,
      requestIds: [],
    });
    for (const imageIds of [[], ['a/b'], Array.from({ length: 101 }, (_, i) => `i${i}`), 'a']) {
      expect(problems(() => parsePayload(IdeogramBulkDownloadRequest, { imageIds }))).toEqual(['imageIds']);
    }
    expect(parsePayload(IdeogramGalleryRequest, { userId: 'u_1' })).toMatchObject({
      allPrivacy: 'true',
      filters: 'everything',
    });
    expect(problems(() => parsePayload(IdeogramGalleryRequest, { userId: '../x' }))).toEqual(['userId']);
  });
});
