import { ProviderException, type ProviderControl, type ProviderErrorCode } from '@app/contracts';
import { isChallenge } from '@app/provider-adapter';
import type { SendOutcome } from './chatgpt-ui.js';
import { classifyPageError } from './conversation.js';

/** The `detail` of a JSON error body (`{"detail":"Too many requests in 1 hour…"}`), else the text itself. */
function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail;
    if (parsed.detail && typeof parsed.detail === 'object') return JSON.stringify(parsed.detail);
  } catch {
    // not JSON: an HTML page or plain text
  }
  return body;
}

/**
 * The conversation id of an accepted send, or the reason it was refused. Errors marked `rejected` say the message
 * surely did not go out (the site answered the request with an error before any conversation existed), so the job
 * may be retried or failed as it is; anything else after the click has an unknown outcome.
 */
export function acceptedConversation(outcome: SendOutcome | null, rateLimitCooldownMs: number): string {
  const rejected = (code: ProviderErrorCode, message: string, control: ProviderControl = {}) =>
    new ProviderException(code, message, undefined, { rejected: true, ...control });
  if (!outcome) throw new ProviderException('PROVIDER_TIMEOUT', 'No answer to the message within the send timeout');
  if (outcome.kind === 'ok' && outcome.conversationId) return outcome.conversationId;
  if (outcome.kind === 'http') {
    const body = outcome.detail ?? '';
    const detail = detailOf(body).slice(0, 300);
    const status = outcome.status ?? 0;
    if (status === 429) {
      throw rejected('RATE_LIMITED', `ChatGPT: ${detail || 'Too many requests'}`, {
        retryAfterMs: rateLimitCooldownMs,
      });
    }
    if (status === 401) throw rejected('SIGNED_OUT', 'chatgpt.com rejected the session (401)');
    if (status === 403 || isChallenge({ status, body })) {
      throw rejected('CHALLENGE', `chatgpt.com refused the message (${status})`);
    }
    if (status === 404) throw rejected('GPT_NOT_FOUND', `ChatGPT: ${detail || 'not found'}`);
    throw rejected('PROVIDER_ERROR', `chatgpt.com answered ${status} to the message${detail ? `: ${detail}` : ''}`);
  }
  if (outcome.kind === 'alert') {
    const error = classifyPageError(outcome.text ?? '') ?? new ProviderException('PROVIDER_ERROR', outcome.text ?? '');
    // A network error mid-request may hide an accepted message; any other error shown before an id was not accepted.
    if (error.code === 'NETWORK_ERROR') throw error;
    throw rejected(
      error.code,
      error.message,
      error.code === 'RATE_LIMITED' ? { retryAfterMs: rateLimitCooldownMs } : {},
    );
  }
  throw new ProviderException('PROVIDER_ERROR', `The message request failed: ${outcome.detail ?? 'no answer'}`);
}
