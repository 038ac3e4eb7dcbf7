import { describe, expect, it } from 'vitest';
import type { MidjourneyImagineOptions } from '@app/contracts';
import { buildImaginePrompt, splitFlags } from './prompt-builder.js';

const imagine = (prompt: string, options: MidjourneyImagineOptions = {}) => buildImaginePrompt({ prompt, options });
const DEFAULTS = '--chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 7';

describe('buildImaginePrompt: exactly one of each flag (option > typed > default)', () => {
  it.each<[string, string, MidjourneyImagineOptions, string]>([
    ['defaults only', 'a fox', {}, `a fox ${DEFAULTS}`],
    [
      'typed --ar replaces the default in place',
      'a fox --ar 16:9',
      {},
      'a fox --chaos 5 --ar 16:9 --stylize 150 --weird 200 --v 7',
    ],
    [
      'alias --aspect counts as --ar',
      'a fox --aspect 2:3',
      {},
      'a fox --chaos 5 --aspect 2:3 --stylize 150 --weird 200 --v 7',
    ],
    ['alias --c counts as --chaos', 'a fox --c 50', {}, 'a fox --c 50 --ar 4:3 --stylize 150 --weird 200 --v 7'],
    ['alias --s counts as --stylize', 'a fox --s 750', {}, 'a fox --chaos 5 --ar 4:3 --s 750 --weird 200 --v 7'],
    ['alias --w counts as --weird', 'a fox --w 0', {}, 'a fox --chaos 5 --ar 4:3 --stylize 150 --w 0 --v 7'],
    [
      'alias --version counts as --v',
      'a fox --version 6.1',
      {},
      'a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --version 6.1',
    ],
    [
      'typed --niji is the model flag',
      'a fox --niji 6',
      {},
      'a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --niji 6',
    ],
    [
      'option beats typed',
      'a fox --ar 16:9 --c 80',
      { ar: '1:1', chaos: 0 },
      'a fox --chaos 0 --ar 1:1 --stylize 150 --weird 200 --v 7',
    ],
    [
      'option version beats typed --niji',
      'a fox --niji 6',
      { version: '6.1' },
      'a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 6.1',
    ],
    [
      'option niji beats typed --v',
      'a fox --v 7',
      { niji: '6' },
      'a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --niji 6',
    ],
    [
      'a flag typed twice is kept once (the later)',
      'a fox --ar 1:1 --ar 16:9',
      {},
      'a fox --chaos 5 --ar 16:9 --stylize 150 --weird 200 --v 7',
    ],
    ['other typed flags stay, once', 'a fox --tile --no cats --tile', {}, `a fox ${DEFAULTS} --no cats --tile`],
    ['option tile with typed --tile gives one', 'a fox --tile', { tile: true }, `a fox ${DEFAULTS} --tile`],
    ['words after a one-value flag stay text', 'a fox --v 6 in snow', { version: '7' }, `a fox in snow ${DEFAULTS}`],
    ['--q/--quality are one flag', 'a fox --quality 2', { quality: '.5' }, `a fox ${DEFAULTS} --q .5`],
    ['--style raw and --raw are one flag', 'a fox --style raw', { raw: true }, `a fox ${DEFAULTS} --raw`],
    [
      '--p and --personalize are one flag',
      'a fox --personalize abc',
      { personalize: 'xyz' },
      `a fox ${DEFAULTS} --p xyz`,
    ],
  ])('%s', (_name, prompt, options, expected) => {
    expect(imagine(prompt, options)).toBe(expected);
  });

  it.each<[string, MidjourneyImagineOptions, string]>([
    [
      'style refs and weight',
      { style_refs: ['123', 'https://x.test/s.png'], style_weight: 200 },
      '--sref 123 https://x.test/s.png --sw 200',
    ],
    [
      'omni ref and weight',
      { omni_ref: 'https://x.test/o.png', omni_weight: 400 },
      '--oref https://x.test/o.png --ow 400',
    ],
    ['image weight, seed, exp', { image_weight: 1.5, seed: 42, exp: 25 }, '--iw 1.5 --seed 42 --exp 25'],
    [
      'no, raw, personalize, draft',
      { no: 'text, logos', raw: true, personalize: true, draft: true },
      '--no text, logos --raw --p --draft',
    ],
  ])('typed field: %s', (_name, options, flags) => {
    expect(imagine('a fox', options)).toBe(`a fox ${DEFAULTS} ${flags}`);
  });

  it('puts uploaded references in the flags and uploaded image prompts first', () => {
    const prompt = buildImaginePrompt(
      { prompt: 'a fox', options: { style_refs: ['https://x.test/s.png', '77'], omni_ref: 'https://x.test/o.png' } },
      'https://s.mj.run/img',
      { styleRefs: ['https://s.mj.run/s', '77'], omniRef: 'https://s.mj.run/o', imageUrls: ['https://s.mj.run/b1'] },
    );
    expect(prompt).toBe(
      `https://s.mj.run/b1 https://s.mj.run/img a fox ${DEFAULTS} --sref https://s.mj.run/s 77 --oref https://s.mj.run/o`,
    );
  });

  it.each([
    ['a fox', 0],
    ['a fox --ar 1:1 --c 5 --s 10 --w 1 --v 7 --q 2 --tile --no x y', 0],
    ['a fox --ar 16:9 --niji 6', 0],
  ])('never emits two flags of one name: %s', (prompt) => {
    for (const options of [{}, { ar: '2:3', chaos: 1, stylize: 2, weird: 3, version: '6' }, { niji: true }] as const) {
      const { flags } = splitFlags(imagine(prompt, options));
      const names = flags.map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });
});
