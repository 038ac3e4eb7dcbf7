import { describe, expect, it } from 'vitest';
import { invalidFlag, normaliseEcho, parsePrompt, sizeOf } from './prompt-parser.js';

describe('parsePrompt', () => {
  it('splits leading image URLs, text and flags', () => {
    const parsed = parsePrompt('https://s.mj.run/a https://s.mj.run/b a red fox --ar 16:9 --tile --v 7');
    expect(parsed.images).toEqual(['https://s.mj.run/a', 'https://s.mj.run/b']);
    expect(parsed.text).toBe('a red fox');
    expect(Object.fromEntries(parsed.flags)).toEqual({ ar: '16:9', tile: true, v: '7' });
  });

  it('lower-cases flag names and treats a flag followed by a flag as boolean', () => {
    expect(Object.fromEntries(parsePrompt('x --AR 1:1 --raw --chaos 3').flags)).toEqual({
      ar: '1:1',
      raw: true,
      chaos: '3',
    });
  });

  it('keeps URLs inside the text as text', () => {
    expect(parsePrompt('see https://example.com now').images).toEqual([]);
  });
});

describe('invalidFlag', () => {
  const reason = (prompt: string) => invalidFlag(parsePrompt(prompt));

  it('accepts what the gateway builds', () => {
    expect(reason('a fox --chaos 5 --ar 4:3 --stylize 150 --weird 200 --v 7')).toBeNull();
    expect(reason('a fox --niji 6 --q 2 --stop 50 --tile')).toBeNull();
  });

  it.each([
    ['a --chaos 101', /--chaos/],
    ['a --stylize -1', /--stylize/],
    ['a --stop 5', /--stop/],
    ['a --v 4', /version/],
    ['a --ar wide', /aspect/],
    ['a --bogus 1', /Unrecognized/],
    ['a --niji 6 --v 7', /Conflicting/],
  ])('rejects %s', (prompt, message) => {
    expect(reason(prompt)).toMatch(message);
  });
});

describe('sizeOf', () => {
  it('keeps the area near 1024² in multiples of 16', () => {
    expect(sizeOf('1:1')).toEqual({ width: 1024, height: 1024 });
    const wide = sizeOf('16:9');
    expect(wide.width).toBeGreaterThan(wide.height);
    expect(wide.width % 16).toBe(0);
    expect(wide.height % 16).toBe(0);
    expect(Math.abs(wide.width * wide.height - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.05);
    expect(sizeOf(undefined)).toEqual({ width: 1024, height: 1024 });
    expect(sizeOf('0:5')).toEqual({ width: 1024, height: 1024 });
  });
});

describe('normaliseEcho', () => {
  it('adds the decimal to whole versions only', () => {
    expect(normaliseEcho('a  fox --v 7 --chaos 5')).toBe('a fox --v 7.0 --chaos 5');
    expect(normaliseEcho('a fox --v 6.1')).toBe('a fox --v 6.1');
  });
});
