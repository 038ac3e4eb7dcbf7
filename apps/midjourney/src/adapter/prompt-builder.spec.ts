import { describe, expect, it } from 'vitest';
import { buildImaginePrompt, buildVideoPrompt, comparablePrompt, sanitizePrompt } from './prompt-builder.js';

describe('sanitizePrompt', () => {
  it('keeps apostrophes and straightens curly quotes', () => {
    expect(sanitizePrompt("It’s a “big” day, isn't it")).toBe('It\'s a "big" day, isn\'t it');
  });

  it('drops per-prompt mode flags (the job mode applies) and collapses whitespace', () => {
    expect(sanitizePrompt('  a cat --fast\n\non a mat --relax ')).toBe('a cat on a mat');
    expect(sanitizePrompt('fast cars --turbo')).toBe('fast cars');
  });

  it('keeps other flags and words that only contain a mode name', () => {
    expect(sanitizePrompt('breakfast --fastidious --no text')).toBe('breakfast --fastidious --no text');
  });
});

describe('buildImaginePrompt', () => {
  it('applies the original defaults', () => {
    expect(buildImaginePrompt({ prompt: 'a fox', options: {} })).toBe(
      'a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 7',
    );
  });

  it('emits exactly one model flag: niji replaces --v', () => {
    const withNiji = buildImaginePrompt({ prompt: 'a fox', options: { niji: '6', version: '6.1' } });
    expect(withNiji).toContain('--niji 6');
    expect(withNiji).not.toContain('--v ');
    expect(buildImaginePrompt({ prompt: 'a fox', options: { niji: true } })).toContain('--niji 6');
    expect(buildImaginePrompt({ prompt: 'a fox', options: { niji: false, version: '6.1' } })).toContain('--v 6.1');
  });

  it('adds quality, stop and tile only when asked, and puts the image URL first', () => {
    const prompt = buildImaginePrompt(
      {
        prompt: 'a tiled floor',
        options: { chaos: 0, ar: '16:9', stylize: 0, weird: 0, quality: '2', stop: 50, tile: true },
      },
      'https://s.mj.run/abc',
    );
    expect(prompt).toBe(
      'https://s.mj.run/abc a tiled floor --chaos 0 --ar 16:9 --stylize 0 --weird 0 --v 7 --q 2 --stop 50 --tile',
    );
    expect(buildImaginePrompt({ prompt: 'x', options: { quality: 'normal' } })).not.toContain('--q');
  });
});

describe('buildVideoPrompt', () => {
  it('follows the public web clients’ layout and adds the batch size when set', () => {
    const input = {
      imageUrl: 'https://example.com/a.png',
      textPrompt: 'slow pan',
      chaos: 5,
      ar: '4:3',
      motion: 'low' as const,
      mode: 'fast' as const,
      private: false,
    };
    expect(buildVideoPrompt(input, 'https://s.mj.run/x')).toBe('https://s.mj.run/x slow pan --motion low --video 1');
    expect(buildVideoPrompt({ ...input, batchSize: 2 }, 'https://s.mj.run/x')).toMatch(
      /--bs 2 --motion low --video 1$/,
    );
  });
});

describe('comparablePrompt', () => {
  it('matches Midjourney’s echo of what was submitted', () => {
    const submitted = 'https://s.mj.run/abc A Fox --chaos 5 --v 7';
    const echo = '<https://s.mj.run/zzz> a fox --chaos 5 --v 7.0';
    expect(comparablePrompt(echo.replace(/[<>]/g, ''))).toBe(comparablePrompt(submitted));
    expect(comparablePrompt('a fox --v 6.1')).not.toBe(comparablePrompt('a fox --v 6'));
  });
});
