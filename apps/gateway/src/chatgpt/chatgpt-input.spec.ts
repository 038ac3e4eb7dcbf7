import { describe, expect, it } from 'vitest';
import { GatewayException } from '../errors/gateway.exception.js';
import { chatgptTarget, decodeImage } from './chatgpt-input.js';

const APP = 'http://localhost:4010';
const CID = '682b4c8d-1234-800a-9e5f-0123456789ab';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

function refusal(fn: () => unknown): GatewayException {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(GatewayException);
  return error as GatewayException;
}

describe('chatgptTarget', () => {
  it('reads a custom GPT, a conversation inside a GPT, a bare conversation and the plain-chat root', () => {
    expect(chatgptTarget(undefined, undefined, APP)).toEqual({});
    expect(chatgptTarget(undefined, CID, APP)).toEqual({ conversationId: CID });
    expect(chatgptTarget('https://chatgpt.com/g/g-abc123-remix', undefined, APP)).toEqual({
      gptUrl: 'https://chatgpt.com/g/g-abc123-remix',
    });
    expect(chatgptTarget(`https://chatgpt.com/g/g-abc123-remix/c/${CID}`, undefined, APP)).toEqual({
      gptUrl: 'https://chatgpt.com/g/g-abc123-remix',
      conversationId: CID,
    });
    expect(chatgptTarget(`https://chatgpt.com/c/${CID}`, undefined, APP)).toEqual({ conversationId: CID });
    expect(chatgptTarget('https://chatgpt.com/', undefined, APP)).toEqual({ gptUrl: 'https://chatgpt.com/' });
    // The configured origin (the simulator in sandbox mode) is as good as chatgpt.com.
    expect(chatgptTarget(`${APP}/g/g-abc123`, undefined, APP)).toEqual({ gptUrl: `${APP}/g/g-abc123` });
  });

  it('refuses other hosts, other paths and a conversation id that contradicts the URL', () => {
    expect(refusal(() => chatgptTarget('https://evil.example/g/g-abc', undefined, APP)).message).toMatch(/must be on/);
    expect(refusal(() => chatgptTarget('https://chatgpt.com/gpts/mine', undefined, APP)).message).toMatch(
      /must name a custom GPT/,
    );
    expect(refusal(() => chatgptTarget('not a url', undefined, APP)).code).toBe('INVALID_REQUEST');
    expect(
      refusal(() => chatgptTarget(`https://chatgpt.com/c/${CID}`, '00000000-0000-8000-8000-000000000000', APP)).message,
    ).toMatch(/another conversation/);
  });
});

describe('decodeImage', () => {
  it('takes base64 and base64 data URLs, sniffing the type from the bytes', () => {
    const plain = decodeImage(PNG.toString('base64'), undefined, 1000, 'images[0].data');
    expect(plain).toMatchObject({ contentType: 'image/png', bytes: PNG });
    expect(plain.sha256).toMatch(/^[0-9a-f]{64}$/);
    const url = decodeImage(`data:image/png;base64,${PNG.toString('base64')}`, undefined, 1000, 'x');
    expect(url.sha256).toBe(plain.sha256);
    const jpeg = decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]).toString('base64'), 'image/jpg', 1000, 'x');
    expect(jpeg.contentType).toBe('image/jpeg');
  });

  it('refuses non-base64, empty, oversized, non-image and mislabelled data with field names', () => {
    expect(refusal(() => decodeImage('***', undefined, 1000, 'images[0].data')).message).toBe(
      'images[0].data: must be base64',
    );
    expect(refusal(() => decodeImage('data:image/png,raw', undefined, 1000, 'x')).message).toMatch(/base64/);
    expect(refusal(() => decodeImage('', undefined, 1000, 'x')).message).toMatch(/empty/);
    expect(refusal(() => decodeImage(PNG.toString('base64'), undefined, 10, 'x')).code).toBe('PAYLOAD_TOO_LARGE');
    expect(refusal(() => decodeImage(Buffer.from('hello').toString('base64'), undefined, 1000, 'x')).message).toMatch(
      /not a PNG/,
    );
    expect(refusal(() => decodeImage(PNG.toString('base64'), 'image/gif', 1000, 'x')).message).toMatch(
      /declared image\/gif but the bytes are image\/png/,
    );
  });
});
