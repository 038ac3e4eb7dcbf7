import { describe, expect, it } from 'vitest';
import type { MidjourneyImaginePayload, MidjourneyVideoPayload } from '@app/contracts';
import { buildImaginePrompt, buildVideoPrompt, comparablePrompt, sanitizePrompt } from './prompt-builder.js';

const imagine = (prompt: string, options: MidjourneyImaginePayload['options'] = {}) =>
  buildImaginePrompt({ prompt, options });

/** The flags of a built prompt, in order, as `--name value` strings. */
const flagsOf = (prompt: string) => prompt.match(/--[a-z]+(?: [^-\s]\S*)?/g) ?? [];

describe('sanitizePrompt edge cases', () => {
  it.each([
    ['\u2018single\u2019', "'single'"],
    ['low \u201Aquote\u201B', "low 'quote'"],
    ['five\u2032 tall', "five' tall"],
    ['\u201Cdouble\u201D', '"double"'],
    ['\u201Elow\u201F', '"low"'],
    ['ten\u2033 wide', 'ten" wide'],
  ])('straightens %s', (input, expected) => {
    expect(sanitizePrompt(input)).toBe(expected);
  });

  it('strips mode flags whatever their case and position, including the "relaxed" spelling', () => {
    expect(sanitizePrompt('--FAST a cat')).toBe('a cat');
    expect(sanitizePrompt('a cat --Relaxed')).toBe('a cat');
    expect(sanitizePrompt('a --turbo --relax cat')).toBe('a cat');
  });

  it('leaves lookalikes alone: glued to a word, longer flag names, single dashes', () => {
    expect(sanitizePrompt('steam--fast engine')).toBe('steam--fast engine');
    expect(sanitizePrompt('a --fast-track plan')).toBe('a --fast-track plan');
    expect(sanitizePrompt('a -fast cat')).toBe('a -fast cat');
  });

  it('collapses tabs and newlines and trims, but never drops characters of words', () => {
    expect(sanitizePrompt('\t rock\t\n\r n’ roll  ')).toBe("rock n' roll");
    expect(sanitizePrompt('   ')).toBe('');
  });
});

describe('buildImaginePrompt option mapping', () => {
  it('emits flags in a fixed order: chaos, ar, stylize, weird, model, quality, stop, tile', () => {
    const prompt = imagine('x', {
      tile: true,
      stop: 80,
      quality: '.5',
      version: '6',
      weird: 10,
      stylize: 500,
      ar: '2:3',
      chaos: 20,
    });
    expect(prompt).toBe('x --chaos 20 --ar 2:3 --stylize 500 --weird 10 --v 6 --q .5 --stop 80 --tile');
  });

  it('falls back to each default independently when only some options are given', () => {
    expect(imagine('x', { ar: '1:1' })).toBe('x --chaos 5 --ar 1:1 --stylize 150 --weird 200 --v 7');
    expect(imagine('x', { stylize: 0 })).toContain('--stylize 0');
    expect(imagine('x', { weird: 3000 })).toContain('--weird 3000');
  });

  it('leaves out tile and stop when false or absent', () => {
    const prompt = imagine('x', { tile: false });
    expect(prompt).not.toContain('--tile');
    expect(prompt).not.toContain('--stop');
    expect(prompt).not.toContain('--q');
  });

  it.each<[MidjourneyImaginePayload['options'], string]>([
    [{}, '--v 7'],
    [{ version: '5.2' }, '--v 5.2'],
    [{ niji: '5' }, '--niji 5'],
    [{ niji: true }, '--niji 6'],
    [{ niji: true, version: '6.1' }, '--niji 6'],
    [{ niji: false }, '--v 7'],
    [{ niji: false, version: '5' }, '--v 5'],
  ])('options %j give exactly one model flag: %s', (options, model) => {
    const models = flagsOf(imagine('x', options)).filter((f) => /^--(v|niji)\b/.test(f));
    expect(models).toEqual([model]);
  });

  it('sanitizes the text, so a mode flag typed in the prompt cannot override the job mode', () => {
    const prompt = imagine('a “red” fox --turbo');
    expect(prompt.startsWith('a "red" fox --chaos')).toBe(true);
    expect(prompt).not.toMatch(/--turbo/);
  });

  it('puts the uploaded image URL first, separated by one space, and nothing when there is none', () => {
    expect(buildImaginePrompt({ prompt: 'x', options: {} }, 'https://s.mj.run/Q')).toMatch(
      /^https:\/\/s\.mj\.run\/Q x --/,
    );
    expect(buildImaginePrompt({ prompt: 'x', options: {} }, '')).toMatch(/^x --chaos/);
  });

  it('emits one model flag even when the prompt text carries its own --v/--niji', () => {
    const models = (prompt: string) => prompt.match(/--(v|version|niji)\b/g) ?? [];
    // No model option: the typed flag is kept and no default is added.
    expect(models(buildImaginePrompt({ prompt: 'a fox --niji 6', options: {} }))).toEqual(['--niji']);
    expect(buildImaginePrompt({ prompt: 'a fox --v 6.1', options: {} })).toContain('--v 6.1');
    // A model option wins over what was typed.
    const explicit = buildImaginePrompt({ prompt: 'a fox --niji 6 in snow', options: { version: '7' } });
    expect(models(explicit)).toEqual(['--v']);
    expect(explicit).toContain('a fox in snow');
    expect(models(buildImaginePrompt({ prompt: 'a fox --version 5', options: { niji: '6' } }))).toEqual(['--niji']);
  });
});

describe('buildVideoPrompt', () => {
  const video = (over: Partial<MidjourneyVideoPayload> = {}): MidjourneyVideoPayload => ({
    imageUrl: 'https://example.com/a.png',
    textPrompt: 'waves',
    chaos: 0,
    ar: '16:9',
    motion: 'high',
    mode: 'fast',
    private: false,
    ...over,
  });

  it('puts the start frame first, then the text, and sends no --chaos/--ar (public web clients)', () => {
    expect(buildVideoPrompt(video(), 'https://s.mj.run/v')).toBe('https://s.mj.run/v waves --motion high --video 1');
  });

  it('sanitizes the text and starts with the image when the text is empty', () => {
    expect(buildVideoPrompt(video({ textPrompt: ' it’s   calm --fast ' }), 'U')).toBe(
      "U it's calm --motion high --video 1",
    );
    expect(buildVideoPrompt(video({ textPrompt: '' }), 'U')).toBe('U --motion high --video 1');
  });

  it.each([1, 2, 4])('puts --bs %i before --motion, as public clients do', (batchSize) => {
    expect(buildVideoPrompt(video({ batchSize }), 'U')).toBe(`U waves --bs ${batchSize} --motion high --video 1`);
  });

  it.each([
    ['--chaos/--ar typed into the text are dropped', 'waves --chaos 40 --ar 16:9', 'U waves --motion high --video 1'],
    ['a typed --motion gives way to the option', 'waves --motion low', 'U waves --motion high --video 1'],
    ['other typed flags stay', 'waves --raw', 'U waves --raw --motion high --video 1'],
  ])('%s', (_name, textPrompt, expected) => {
    expect(buildVideoPrompt(video({ textPrompt }), 'U')).toBe(expected);
  });

  it('ends with --end <url> or --end loop', () => {
    expect(buildVideoPrompt({ ...video(), end: 'https://s.mj.run/e' }, 'U')).toBe(
      'U waves --motion high --video 1 --end https://s.mj.run/e',
    );
    expect(buildVideoPrompt({ ...video(), end: 'loop' }, 'U')).toMatch(/--video 1 --end loop$/);
  });
});

describe('comparablePrompt', () => {
  it('removes every http(s) URL, folds case and whitespace', () => {
    expect(comparablePrompt('http://a.b/c.png  A \n Fox https://x.y/z?q=1 --AR 1:1')).toBe('a fox --ar 1:1');
  });

  it('drops the .0 MJ adds to whole versions, for --v and --niji, mid-prompt or last', () => {
    expect(comparablePrompt('a --v 7.0 --tile')).toBe('a --v 7 --tile');
    expect(comparablePrompt('a --niji 6.0')).toBe('a --niji 6');
  });

  it('keeps real minor versions and other decimals', () => {
    expect(comparablePrompt('a --v 5.2')).toBe('a --v 5.2');
    expect(comparablePrompt('a --v 7.05')).toBe('a --v 7.05');
    expect(comparablePrompt('a --q 2.0')).toBe('a --q 2.0');
  });
});
