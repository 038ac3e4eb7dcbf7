import { describe, expect, it } from 'vitest';
import {
  MidjourneyActionPayload,
  MidjourneyBlendPayload,
  MidjourneyDescribePayload,
  MidjourneyImaginePayload,
  MidjourneyVideoPayload,
  actionString,
  allowedActions,
  parsePayload,
  subjectToken,
} from './index.js';

const panOf = (i: number) => ['up', 'down', 'left', 'right'].map((d) => `pan:${i}:${d}`);

describe('allowedActions', () => {
  it.each(['imagine', 'blend', 'vary', 'reroll', 'pan'])(
    'a %s grid allows upscale, vary, pan, animate of each cell and a reroll',
    (operation) => {
      const actions = allowedActions({ operation, images: 4, videos: 0 });
      for (const i of [1, 2, 3, 4]) {
        expect(actions).toEqual(expect.arrayContaining([`upscale:${i}`, `vary:${i}`, `animate:${i}`, ...panOf(i)]));
      }
      expect(actions).toContain('reroll');
      expect(actions.filter((a) => a.startsWith('extend'))).toEqual([]);
      expect(new Set(actions).size).toBe(actions.length);
    },
  );

  it('an upscale allows vary, pan and animate of its one image, never another upscale', () => {
    expect(allowedActions({ operation: 'upscale', images: 1, videos: 0 })).toEqual([
      'vary:1',
      ...panOf(1),
      'animate:1',
    ]);
  });

  it.each(['video', 'animate', 'extend'])('a %s job allows extend of each video only', (operation) => {
    expect(allowedActions({ operation, images: 0, videos: 2 })).toEqual(['extend:1', 'extend:2']);
  });

  it.each([
    ['describe', 0, 0],
    ['imagine', 0, 0],
  ])('%s with %i images allows nothing', (operation, images, videos) => {
    expect(allowedActions({ operation, images, videos })).toEqual([]);
  });
});

describe('actionString', () => {
  it.each([
    [['reroll'], 'reroll'],
    [['upscale', 2], 'upscale:2'],
    [['vary', 4], 'vary:4'],
    [['pan', 1, 'left'], 'pan:1:left'],
    [['animate', 3], 'animate:3'],
    [['extend', 1], 'extend:1'],
  ] as const)('%j → %s', (args, expected) => {
    expect(actionString(...(args as unknown as [string, number?, string?]))).toBe(expected);
  });
});

describe('subjectToken', () => {
  it.each([
    ['default', 'default'],
    ['acct-2', 'acct-2'],
    ['a.b', 'a_2eb'],
    ['a_2eb', 'a_5f2eb'],
    ['x > y*', 'x_20_3e_20y_2a'],
  ])('%s → %s (one token, injective)', (name, token) => expect(subjectToken(name)).toBe(token));
});

describe('worker payloads carry the /mj/* meta', () => {
  const mjproxy = { action: 'IMAGINE', state: 's', notifyHook: 'https://hooks.example/x' };
  it.each<[string, new () => object, Record<string, unknown>]>([
    ['imagine', MidjourneyImaginePayload, { prompt: 'a fox' }],
    ['video', MidjourneyVideoPayload, { imageUrl: 'https://example.com/a.png' }],
    [
      'action',
      MidjourneyActionPayload,
      { action: 'reroll', parentJobId: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', parentProviderJobId: 'mj-1' },
    ],
    ['describe', MidjourneyDescribePayload, { imageUrl: 'https://example.com/a.png' }],
    ['blend', MidjourneyBlendPayload, { imageUrls: ['https://example.com/a.png', 'https://example.com/b.png'] }],
  ])('%s accepts input.mjproxy and still refuses unknown fields', (_name, cls, input) => {
    expect(() => parsePayload(cls, { ...input, mjproxy })).not.toThrow();
    expect(() => parsePayload(cls, { ...input, mjproxy: 'not an object' })).toThrow();
    expect(() => parsePayload(cls, { ...input, surprise: 1 })).toThrow();
  });
});

describe('stored uploads in Midjourney payloads', () => {
  const upload = { bucket: 'midjourney-uploads', path: 'uploads/a.png', contentType: 'image/png' };
  const refused = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return 'accepted';
  };

  it('takes uploads beside or instead of URLs, and an account pin', () => {
    expect(parsePayload(MidjourneyImaginePayload, { prompt: 'a', uploads: [upload], account: 'acct-2' })).toMatchObject(
      { uploads: [upload], account: 'acct-2' },
    );
    expect(parsePayload(MidjourneyBlendPayload, { uploads: [upload, upload] }).imageUrls).toEqual([]);
    expect(parsePayload(MidjourneyDescribePayload, { upload }).upload).toEqual(upload);
    expect(parsePayload(MidjourneyVideoPayload, { upload, endUpload: upload, loop: false }).endUpload).toEqual(upload);
  });

  it('refuses a bad upload, a describe or video with neither or both images, and a blend outside 2–5', () => {
    const bad = { ...upload, contentType: 'text/html' };
    expect(refused(() => parsePayload(MidjourneyImaginePayload, { prompt: 'a', uploads: [bad] }))).toBe(
      'INVALID_PAYLOAD',
    );
    expect(refused(() => parsePayload(MidjourneyDescribePayload, {}))).toBe('INVALID_PAYLOAD');
    expect(
      refused(() => parsePayload(MidjourneyDescribePayload, { upload, imageUrl: 'https://example.com/a.png' })),
    ).toBe('INVALID_PAYLOAD');
    expect(refused(() => parsePayload(MidjourneyVideoPayload, { imageUrl: 'ftp://example.com/a.png' }))).toBe(
      'INVALID_PAYLOAD',
    );
    expect(refused(() => parsePayload(MidjourneyBlendPayload, { imageUrls: ['https://e.com/a.png'] }))).toBe(
      'INVALID_PAYLOAD',
    );
    const six = Array.from({ length: 6 }, () => upload);
    expect(refused(() => parsePayload(MidjourneyBlendPayload, { uploads: six }))).toBe('INVALID_PAYLOAD');
    expect(refused(() => parsePayload(MidjourneyImaginePayload, { prompt: 'a', account: '' }))).toBe('INVALID_PAYLOAD');
  });
});
