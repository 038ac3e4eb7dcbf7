import { describe, expect, it } from 'vitest';
import type { MidjourneyActionPayload } from '@app/contracts';
import { actionFields, metadata, siteIndex, siteMode } from './actions.js';

const base = {
  parentJobId: '3f1c2b9a-7d4e-4a6b-9c8d-000000000001',
  parentProviderJobId: 'mj-parent',
  parentPrompt: 'https://s.mj.run/i a fox --chaos 5 --ar 4:3 --v 7',
};
const action = (over: Partial<MidjourneyActionPayload>) => ({ ...base, ...over }) as MidjourneyActionPayload;

describe('actionFields: our actions as the site’s /api/submit-jobs fields (PROVIDERS.md §2.2)', () => {
  it.each<[string, Partial<MidjourneyActionPayload>, Record<string, unknown>, 'image' | 'video', number]>([
    [
      'upscale subtle of cell 1',
      { action: 'upscale', index: 1, type: 'subtle' },
      { t: 'upscale', id: 'mj-parent', index: 0, type: 'v7_2x_subtle' },
      'image',
      1,
    ],
    [
      'upscale creative of cell 4',
      { action: 'upscale', index: 4, type: 'creative' },
      { t: 'upscale', id: 'mj-parent', index: 3, type: 'v7_2x_creative' },
      'image',
      1,
    ],
    [
      'upscale without a type is subtle',
      { action: 'upscale', index: 2 },
      { t: 'upscale', id: 'mj-parent', index: 1, type: 'v7_2x_subtle' },
      'image',
      1,
    ],
    [
      'vary subtle',
      { action: 'vary', index: 2, strength: 'subtle' },
      { t: 'vary', id: 'mj-parent', index: 1, strong: false },
      'image',
      4,
    ],
    [
      'vary strong',
      { action: 'vary', index: 3, strength: 'strong' },
      { t: 'vary', id: 'mj-parent', index: 2, strong: true },
      'image',
      4,
    ],
    [
      'vary with a new prompt is a remix',
      { action: 'vary', index: 1, strength: 'strong', prompt: 'a wolf' },
      { t: 'remix', id: 'mj-parent', index: 0, strong: true, newPrompt: 'a wolf' },
      'image',
      4,
    ],
    ['reroll', { action: 'reroll' }, { t: 'reroll', id: 'mj-parent' }, 'image', 4],
    [
      'reroll with a new prompt is an imagine with the parent’s flags',
      { action: 'reroll', prompt: 'a wolf --ar 1:1' },
      { t: 'imagine', prompt: 'a wolf --ar 1:1 --chaos 5 --v 7' },
      'image',
      4,
    ],
    [
      'pan down',
      { action: 'pan', index: 1, direction: 'down' },
      { t: 'pan', id: 'mj-parent', index: 0, direction: 0, newPrompt: base.parentPrompt, fraction: 0.5, stitch: true },
      'image',
      4,
    ],
    [
      'pan right',
      { action: 'pan', index: 2, direction: 'right' },
      { t: 'pan', id: 'mj-parent', index: 1, direction: 1, newPrompt: base.parentPrompt, fraction: 0.5, stitch: true },
      'image',
      4,
    ],
    [
      'pan up',
      { action: 'pan', index: 3, direction: 'up' },
      { t: 'pan', id: 'mj-parent', index: 2, direction: 2, newPrompt: base.parentPrompt, fraction: 0.5, stitch: true },
      'image',
      4,
    ],
    [
      'pan left with a prompt',
      { action: 'pan', index: 4, direction: 'left', prompt: 'more sea' },
      { t: 'pan', id: 'mj-parent', index: 3, direction: 3, newPrompt: 'more sea', fraction: 0.5, stitch: true },
      'image',
      4,
    ],
    [
      'animate cell 2',
      { action: 'animate', index: 2, motion: 'low' },
      {
        t: 'video',
        videoType: 'vid_1.1_i2v_480',
        newPrompt: '--motion low --video 1',
        parentJob: { job_id: 'mj-parent', image_num: 1 },
        animateMode: 'manual',
      },
      'video',
      4,
    ],
    [
      'animate 720, batch 2, with text',
      { action: 'animate', index: 1, resolution: 720, batchSize: 2, prompt: 'waves' },
      {
        t: 'video',
        videoType: 'vid_1.1_i2v_720',
        newPrompt: 'waves --bs 2 --motion high --video 1',
        parentJob: { job_id: 'mj-parent', image_num: 0 },
        animateMode: 'manual',
      },
      'video',
      2,
    ],
    [
      'animate as a loop',
      { action: 'animate', index: 1, loop: true },
      {
        t: 'video',
        videoType: 'vid_1.1_i2v_start_end_480',
        newPrompt: '--motion high --video 1 --end loop',
        parentJob: { job_id: 'mj-parent', image_num: 0 },
        animateMode: 'manual',
      },
      'video',
      4,
    ],
    [
      'extend video 3',
      { action: 'extend', index: 3 },
      {
        t: 'video',
        videoType: 'vid_1.1_i2v_extend_480',
        newPrompt: '--motion high --video 1',
        parentJob: { job_id: 'mj-parent', image_num: 2 },
        animateMode: 'manual',
      },
      'video',
      4,
    ],
  ])('%s', (_name, over, fields, kind, expectedCount) => {
    const submission = actionFields(action(over));
    expect(submission.fields).toEqual(fields);
    expect(submission.kind).toBe(kind);
    expect(submission.expectedCount).toBe(expectedCount);
  });

  it('puts an uploaded end frame in the prompt and picks the start-end video type', () => {
    const { fields } = actionFields(action({ action: 'animate', index: 1, resolution: 720 }), 'https://s.mj.run/end');
    expect(fields).toMatchObject({
      videoType: 'vid_1.1_i2v_start_end_720',
      newPrompt: '--motion high --video 1 --end https://s.mj.run/end',
    });
  });
});

describe('siteIndex, siteMode, metadata', () => {
  it.each([
    [1, 0],
    [2, 1],
    [3, 2],
    [4, 3],
    [undefined, 0],
  ])('our cell %s is the site’s %i', (ours, site) => expect(siteIndex(ours)).toBe(site));

  it.each([
    ['relaxed', 'relax'],
    ['relax', 'relax'],
    ['fast', 'fast'],
    ['turbo', 'turbo'],
  ] as const)('mode %s is sent as %s', (mode, sent) => expect(siteMode(mode, 'fast')).toBe(sent));

  it('falls back to the given default mode', () => expect(siteMode(undefined, 'relaxed')).toBe('relax'));

  it('counts image prompts for images and sends nulls for video', () => {
    expect(metadata('image', 2)).toMatchObject({ imagePrompts: 2, imageReferences: 0 });
    expect(metadata('video')).toMatchObject({ imagePrompts: null, imageReferences: null });
  });
});
