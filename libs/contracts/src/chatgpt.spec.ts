import { describe, expect, it } from 'vitest';
import {
  ChatgptConversationPayload,
  ChatgptConversationPromptRequest,
  ChatgptRecentImagesRequest,
  isGptUrl,
} from './chatgpt.js';
import { ProviderException } from './errors.js';
import { parsePayload } from './rpc-validation.pipe.js';

function problems(cls: new () => object, data: unknown): string[] {
  try {
    parsePayload(cls, data);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderException);
    const details = (error as ProviderException).details as { problems: Array<{ field: string; problems: string[] }> };
    return details.problems.map((p) => `${p.field}: ${p.problems.join('; ')}`);
  }
}

const GPT = 'https://chatgpt.com/g/g-682b4c8d88848191accff36501109e7e-wowz-ai-assistant-remix-design';

describe(ChatgptConversationPayload.name, () => {
  it('accepts a prompt alone, images alone, and both with a GPT and a conversation to continue', () => {
    expect(problems(ChatgptConversationPayload, { prompt: 'hello' })).toEqual([]);
    expect(problems(ChatgptConversationPayload, { imageUrls: ['https://example.com/a.png'] })).toEqual([]);
    expect(
      problems(ChatgptConversationPayload, {
        prompt: 'remix this',
        imageUrls: ['http://127.0.0.1:9/a.png'],
        uploads: [{ bucket: 'chatgpt-uploads', path: 'uploads/x.png', contentType: 'image/png' }],
        gptUrl: GPT,
        conversationId: '682b4c8d-1234-800a-9e5f-0123456789ab',
      }),
    ).toEqual([]);
  });

  it('needs a non-blank prompt or an image', () => {
    expect(problems(ChatgptConversationPayload, {})).toEqual(['prompt: prompt or at least one image is required']);
    expect(problems(ChatgptConversationPayload, { prompt: '   ', imageUrls: [] })).toEqual([
      'prompt: prompt or at least one image is required',
    ]);
  });

  it('refuses too many images, non-strings, over-long prompts and unknown fields', () => {
    const five = Array.from({ length: 5 }, (_, i) => `https://example.com/${i}.png`);
    expect(problems(ChatgptConversationPayload, { prompt: 'x', imageUrls: five }).join('\n')).toMatch(
      /at most 4 images/,
    );
    expect(problems(ChatgptConversationPayload, { prompt: 42 })).toEqual(['prompt: prompt must be a string']);
    expect(problems(ChatgptConversationPayload, { prompt: 'x'.repeat(32_001) })[0]).toMatch(/at most 32000/);
    expect(problems(ChatgptConversationPayload, { prompt: 'x', model: 'gpt-4o' })[0]).toMatch(/^model:/);
  });

  it('checks image URLs, stored uploads, GPT URLs and conversation ids', () => {
    expect(problems(ChatgptConversationPayload, { imageUrls: ['ftp://example.com/a.png'] })[0]).toMatch(/^imageUrls:/);
    expect(
      problems(ChatgptConversationPayload, {
        uploads: [{ bucket: 'b', path: 'p.txt', contentType: 'text/plain' }],
      })[0],
    ).toMatch(/^uploads\.0\.contentType:/);
    expect(problems(ChatgptConversationPayload, { prompt: 'x', gptUrl: 'https://chatgpt.com/c/abc' })[0]).toMatch(
      /gptUrl must be a custom GPT URL/,
    );
    expect(problems(ChatgptConversationPayload, { prompt: 'x', conversationId: 'not-an-id' })[0]).toMatch(
      /conversationId must be a conversation id/,
    );
  });
});

describe('isGptUrl', () => {
  it.each([
    GPT,
    'https://chatgpt.com/g/g-abc123',
    'http://localhost:4010/g/g-abc123-some-slug/',
    'https://chatgpt.com/',
  ])('accepts %s (the root: a plain chat)', (url) => {
    expect(isGptUrl(url)).toBe(true);
  });

  it.each([
    'https://chatgpt.com/c/682b4c8d-1234-800a-9e5f-0123456789ab',
    'https://chatgpt.com/g/g-abc/c/682b4c8d-1234-800a-9e5f-0123456789ab',
    'javascript:alert(1)//g/g-abc',
    'chatgpt.com/g/g-abc',
    42,
  ])('refuses %s', (url) => {
    expect(isGptUrl(url)).toBe(false);
  });
});

describe('ChatGPT quick requests', () => {
  it('bounds recent-images paging and requires a conversation id for the prompt lookup', () => {
    expect(problems(ChatgptRecentImagesRequest, { pages: 2, limit: 6 })).toEqual([]);
    expect(problems(ChatgptRecentImagesRequest, { pages: 0 })[0]).toMatch(/^pages:/);
    expect(problems(ChatgptRecentImagesRequest, { limit: 101 })[0]).toMatch(/^limit:/);
    expect(problems(ChatgptConversationPromptRequest, {})[0]).toMatch(/^conversationId:/);
    expect(
      problems(ChatgptConversationPromptRequest, { conversationId: '682b4c8d-1234-800a-9e5f-0123456789ab' }),
    ).toEqual([]);
  });
});
