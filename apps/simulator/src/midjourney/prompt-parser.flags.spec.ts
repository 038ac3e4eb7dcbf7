import { describe, expect, it } from 'vitest';
import { invalidFlag, normaliseEcho, parsePrompt, sizeOf } from './prompt-parser.js';

const flags = (prompt: string) => Object.fromEntries(parsePrompt(prompt).flags);
const reason = (prompt: string) => invalidFlag(parsePrompt(prompt));

describe('parsePrompt tokens', () => {
  it('takes only leading URLs as image prompts, http or https', () => {
    const parsed = parsePrompt(
      '  http://a.example/1.png\nhttps://b.example/2.png  a cat https://c.example/3.png --v 7',
    );
    expect(parsed.images).toEqual(['http://a.example/1.png', 'https://b.example/2.png']);
    expect(parsed.text).toBe('a cat https://c.example/3.png');
  });

  it('handles a prompt made of images only', () => {
    expect(parsePrompt('https://a.example/1.png')).toMatchObject({ images: ['https://a.example/1.png'], text: '' });
  });

  it('does not take ftp or bare hosts as image prompts', () => {
    expect(parsePrompt('ftp://a/b.png www.example.com/c.png dog').images).toEqual([]);
  });

  it('keeps a lone "--" as text', () => {
    expect(parsePrompt('before -- after').text).toBe('before -- after');
    expect(parsePrompt('before -- after').flags.size).toBe(0);
  });

  it('gives value flags their next token, including negative numbers and words', () => {
    expect(flags('x --seed -5 --no text --style raw --p abc123')).toEqual({
      seed: '-5',
      no: 'text',
      style: 'raw',
      p: 'abc123',
    });
  });

  it('never lets a boolean flag swallow the next word', () => {
    expect(flags('x --tile pattern --raw --draft')).toEqual({ tile: true, raw: true, draft: true });
  });

  it('reads --niji as a model number when one follows and as a switch otherwise', () => {
    expect(flags('x --niji 6')).toEqual({ niji: '6' });
    expect(flags('x --niji --ar 1:1')).toEqual({ niji: true, ar: '1:1' });
    expect(flags('x --niji')).toEqual({ niji: true });
  });

  it('gives an unknown flag the next token as its value', () => {
    expect(flags('x --foo bar --tile')).toEqual({ foo: 'bar', tile: true });
  });

  it('keeps the last of repeated flags', () => {
    expect(flags('x --ar 1:1 --AR 16:9')).toEqual({ ar: '16:9' });
  });
});

describe('invalidFlag ranges', () => {
  it.each([
    'x --chaos 0',
    'x --chaos 100',
    'x --c 50',
    'x --stylize 1000',
    'x --s 0',
    'x --weird 3000',
    'x --w 1',
    'x --stop 10',
    'x --stop 100',
  ])('accepts the boundary value in %s', (prompt) => {
    expect(reason(prompt)).toBeNull();
  });

  it.each([
    ['x --c 101', '--c'],
    ['x --s 1001', '--s'],
    ['x --weird 3001', '--weird'],
    ['x --w -1', '--w'],
    ['x --stop 9', '--stop'],
    ['x --stop 101', '--stop'],
    ['x --chaos lots', '--chaos'],
  ])('rejects %s naming %s', (prompt, flag) => {
    expect(reason(prompt)).toBe(`Invalid value for ${flag}: ${prompt.split(' ').at(-1)}`);
  });

  it.each(['5', '5.1', '5.2', '6', '6.1', '7'])('accepts version %s under either name', (version) => {
    expect(reason(`x --v ${version}`)).toBeNull();
    expect(reason(`x --version ${version}`)).toBeNull();
  });

  it.each(['x --v 8', 'x --version 4', 'x --v', 'x --v latest'])('rejects the version in %s', (prompt) => {
    expect(reason(prompt)).toMatch(/^Invalid version/);
  });

  it.each(['x --ar 1.5:1', 'x --aspect 16-9', 'x --ar', 'x --ar 16:9:1'])('rejects the ratio in %s', (prompt) => {
    expect(reason(prompt)).toMatch(/^Invalid aspect ratio/);
  });

  it('accepts --aspect as an alias of --ar', () => {
    expect(reason('x --aspect 21:9')).toBeNull();
  });

  it('names the unknown flag the way MJ does', () => {
    expect(reason('x --chaos 5 --bogus')).toBe('Unrecognized parameter(s): `--bogus`');
  });

  it('rejects niji together with either spelling of the version', () => {
    expect(reason('x --niji --version 6')).toMatch(/^Conflicting/);
    expect(reason('x --v 6 --niji 6')).toMatch(/^Conflicting/);
    expect(reason('x --niji 6')).toBeNull();
  });

  it('reports a bad value before the niji/version conflict', () => {
    expect(reason('x --niji 6 --v 99')).toBe('Invalid version 99');
  });

  it('rejects a numeric flag without a value (x --chaos)', () => {
    for (const flag of ['chaos', 'c', 's', 'weird']) expect(reason(`x --${flag}`), flag).toMatch(/^Invalid value/);
    expect(reason('x --chaos --tile')).toMatch(/^Invalid value for --chaos/);
  });
});

describe('sizeOf', () => {
  it.each(['1:1', '4:3', '3:2', '16:9', '21:9', '2:3', '9:16', '7:4'])(
    '%s keeps the ratio and an area near 1024², in multiples of 16',
    (ar) => {
      const [w, h] = ar.split(':').map(Number);
      const { width, height } = sizeOf(ar);
      expect(width % 16).toBe(0);
      expect(height % 16).toBe(0);
      expect(Math.abs(width / height - w / h) / (w / h)).toBeLessThan(0.03);
      expect(Math.abs(width * height - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.03);
    },
  );

  it('swaps width and height for the transposed ratio', () => {
    const wide = sizeOf('16:9');
    expect(sizeOf('9:16')).toEqual({ width: wide.height, height: wide.width });
  });

  it('scales equal ratios to the same size', () => {
    expect(sizeOf('32:18')).toEqual(sizeOf('16:9'));
  });

  it('never goes below 64 pixels on a side', () => {
    const { width, height } = sizeOf('1:10000');
    expect(width).toBe(64);
    expect(height).toBeGreaterThan(64);
  });

  it.each(['', 'abc', '16', ':9', '16:'])('falls back to 1024 square for %j', (ar) => {
    expect(sizeOf(ar)).toEqual({ width: 1024, height: 1024 });
  });
});

describe('normaliseEcho', () => {
  it('adds .0 to every whole --v, also multi-digit and last', () => {
    expect(normaliseEcho('x --v 6 --tile')).toBe('x --v 6.0 --tile');
    expect(normaliseEcho('x --v 10')).toBe('x --v 10.0');
  });

  it('leaves decimals, niji numbers and other numbers alone', () => {
    expect(normaliseEcho('x --v 5.2 --niji 6 --chaos 7')).toBe('x --v 5.2 --niji 6 --chaos 7');
  });

  it('is idempotent', () => {
    const once = normaliseEcho('a\tcat  --v 7');
    expect(normaliseEcho(once)).toBe(once);
    expect(once).toBe('a cat --v 7.0');
  });
});
