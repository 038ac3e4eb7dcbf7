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

// Shared with the /mj/* routes; kept importable from here for the ChatGPT code and its spec.
export { decodeImage } from '../files/image-upload.js';
