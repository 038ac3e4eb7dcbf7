import { describe, expect, it } from 'vitest';
import { ProviderException } from './errors.js';
import {
  IDEOGRAM_ASPECT_RATIOS,
  IdeogramDescribePayload,
  IdeogramDownloadRequest,
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

  it('enforces the limits the original never did', () => {
    const base = { imageUrl: 'https://example.com/a.png' };
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, imageWeight: 0 }))).toEqual(['imageWeight']);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, imageWeight: 101 }))).toEqual(['imageWeight']);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, numImages: 5 }))).toEqual(['numImages']);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, magicPrompt: 'MAYBE' }))).toEqual([
      'magicPrompt',
    ]);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, promptSource: 'USER' }))).toEqual([
      'promptSource',
    ]);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, style: 'WATERCOLOR' }))).toEqual(['style']);
    expect(
      problems(() => parsePayload(IdeogramRemixPayload, { ...base, resolution: { width: 1000, height: 1000 } })),
    ).toEqual(['resolution']);
    expect(problems(() => parsePayload(IdeogramRemixPayload, { ...base, unknown: 1 }))).toEqual(['unknown']);
  });

  it('accepts every listed resolution and names the list when one is not', () => {
    for (const [w, h] of Object.values(IDEOGRAM_ASPECT_RATIOS)) {
      expect(isIdeogramResolution({ width: w, height: h })).toBe(true);
      expect(parsePayload(IdeogramGeneratePayload, { prompt: 'x', resolution: { width: w, height: h } })).toBeTruthy();
    }
    expect(isIdeogramResolution({ width: 1024, height: 1023 })).toBe(false);
    expect(isIdeogramResolution(null)).toBe(false);
    const error = (() => {
      try {
        parsePayload(IdeogramGeneratePayload, { prompt: 'x', resolution: { width: 100, height: 100 } });
      } catch (e) {
        return e as ProviderException;
      }
    })();
    const details = error?.details as { problems: { field: string; problems: string[] }[] } | undefined;
    expect(details?.problems.flatMap((p) => p.problems).join(' ')).toMatch(/1024x1024/);
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
    expect(problems(() => parsePayload(IdeogramDownloadRequest, { responseId: 'a', quality: 'GIF' }))).toEqual([
      'quality',
    ]);
  });
});
