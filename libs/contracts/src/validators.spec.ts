import { describe, expect, it } from 'vitest';
import { MidjourneyImaginePayload, MidjourneyVideoPayload } from './midjourney.js';
import { parsePayload } from './rpc-validation.pipe.js';

// Whitespace-only prompts passed @IsNotEmpty; the worker refuses them too, whatever the gateway let through.
describe('IsNotBlank on the Midjourney payloads', () => {
  it.each(['', ' ', '   ', '\t\n', '\u00a0'])('refuses the prompt %j with a field problem', (prompt) => {
    const error = (() => {
      try {
        parsePayload(MidjourneyImaginePayload, { prompt });
      } catch (e) {
        return e as { code: string; details: { problems: { field: string; problems: string[] }[] } };
      }
      throw new Error('accepted a blank prompt');
    })();
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.details.problems).toContainEqual({ field: 'prompt', problems: ['prompt must not be blank'] });
  });

  it('accepts a prompt with words around whitespace, and refuses a non-string', () => {
    expect(parsePayload(MidjourneyImaginePayload, { prompt: '  a fox  ' }).prompt).toBe('  a fox  ');
    expect(() => parsePayload(MidjourneyImaginePayload, { prompt: 42 })).toThrow(/failed validation/);
  });

  it('refuses a blank video text but keeps the default when it is absent', () => {
    const url = 'https://example.com/a.png';
    expect(parsePayload(MidjourneyVideoPayload, { imageUrl: url }).textPrompt).toBe('cinematic video, smooth motion');
    expect(() => parsePayload(MidjourneyVideoPayload, { imageUrl: url, textPrompt: '  ' })).toThrow(
      /failed validation/,
    );
  });
});
