import { createHash } from 'node:crypto';
import { CHATGPT_PUBLIC_HOSTS } from '@app/contracts';
import { GatewayException } from '../errors/gateway.exception.js';

/**
 * What a GPT/chat URL from a client means: a custom GPT (`/g/g-…`), a conversation to continue (`/c/<id>`, also
 * inside a GPT), or chatgpt.com itself (a plain chat). Only chatgpt.com and the configured ChatGPT origin are taken:
 * the worker's signed-in browser opens nothing else.
 */
export function chatgptTarget(
  gptUrl: string | undefined,
  conversationId: string | undefined,
  appUrl: string,
): { gptUrl?: string; conversationId?: string } {
  if (!gptUrl) return conversationId ? { conversationId } : {};
  let url: URL;
  try {
    url = new URL(gptUrl);
  } catch {
    throw new GatewayException('INVALID_REQUEST', 'gpt_url is not a valid URL');
  }
  const hosts = new Set([...CHATGPT_PUBLIC_HOSTS, new URL(appUrl).host]);
  if (!hosts.has(url.host)) {
    throw new GatewayException('INVALID_REQUEST', `gpt_url must be on ${[...hosts].join(' or ')}`);
  }
  const match =
    /^(\/g\/g-[A-Za-z0-9]+(?:-[A-Za-z0-9-]*)?)?(?:\/c\/([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}))?\/?$/i.exec(
      url.pathname,
    );
  if (!match) {
    throw new GatewayException(
      'INVALID_REQUEST',
      'gpt_url must name a custom GPT (/g/g-…), a conversation (/c/<id>) or the chatgpt.com root',
    );
  }
  const [, gpt, inUrl] = match;
  if (inUrl && conversationId && inUrl.toLowerCase() !== conversationId.toLowerCase()) {
    throw new GatewayException('INVALID_REQUEST', 'gpt_url names another conversation than conversation_id');
  }
  const continued = conversationId ?? inUrl;
  return {
    // A bare /c/<id> continues that conversation with whatever GPT it has; the root is a plain chat.
    ...(gpt ? { gptUrl: `${url.origin}${gpt}` } : inUrl ? {} : { gptUrl: `${url.origin}/` }),
    ...(continued ? { conversationId: continued } : {}),
  };
}

const SIGNATURES: Array<[string, (b: Buffer) => boolean]> = [
  ['image/png', (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47],
  ['image/jpeg', (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  [
    'image/webp',
    (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  ],
];
export const EXTENSION_OF: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** An uploaded image from a request body: base64 or a base64 data: URL, checked by its bytes. */
export function decodeImage(
  data: string,
  declared: string | undefined,
  maxBytes: number,
  field: string,
): { bytes: Buffer; contentType: string; sha256: string } {
  let base64 = data.trim();
  let type = declared;
  const dataUrl = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(base64);
  if (dataUrl) {
    if (!dataUrl[2]) throw new GatewayException('INVALID_REQUEST', `${field}: data URLs must be base64`);
    type ??= dataUrl[1] || undefined;
    base64 = dataUrl[3];
  }
  if (!/^[A-Za-z0-9+/_\s-]*={0,2}\s*$/.test(base64)) {
    throw new GatewayException('INVALID_REQUEST', `${field}: must be base64`);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new GatewayException('INVALID_REQUEST', `${field}: the image is empty`);
  if (bytes.length > maxBytes) {
    throw new GatewayException('PAYLOAD_TOO_LARGE', `${field}: the image is larger than ${maxBytes} bytes`);
  }
  const sniffed = SIGNATURES.find(([, test]) => test(bytes))?.[0];
  if (!sniffed) throw new GatewayException('INVALID_REQUEST', `${field}: not a PNG, JPEG, WebP or GIF image`);
  const normalized = type === 'image/jpg' ? 'image/jpeg' : type;
  if (normalized && normalized !== sniffed) {
    throw new GatewayException('INVALID_REQUEST', `${field}: declared ${type} but the bytes are ${sniffed}`);
  }
  return { bytes, contentType: sniffed, sha256: createHash('sha256').update(bytes).digest('hex') };
}
