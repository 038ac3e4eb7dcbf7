import { createInbox, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ChunkHeaders } from '@app/contracts';

/** NATS payloads are capped (1 MiB by default); files cross in chunks well under that. */
export const CHUNK_SIZE = 256 * 1024;

export class ChunkedTransferError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Replies to `msg` with `bytes` in ordered chunks (headers carry index, last flag and content type). */
export function replyInChunks(nc: NatsConnection, replyTo: string, bytes: Uint8Array, contentType: string): void {
  const count = Math.max(1, Math.ceil(bytes.length / CHUNK_SIZE));
  for (let i = 0; i < count; i++) {
    const h = natsHeaders();
    h.set(ChunkHeaders.index, String(i));
    h.set(ChunkHeaders.contentType, contentType);
    if (i === count - 1) h.set(ChunkHeaders.last, 'true');
    nc.publish(replyTo, bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), { headers: h });
  }
}

/** Replies with an error the requester turns into ChunkedTransferError(code, message). */
export function replyError(nc: NatsConnection, replyTo: string, code: string, message: string): void {
  const h = natsHeaders();
  h.set(ChunkHeaders.errorCode, code);
  h.set(ChunkHeaders.last, 'true');
  nc.publish(replyTo, new TextEncoder().encode(message), { headers: h });
}

/**
 * Sends a request and gathers a chunked reply. `timeoutMs` bounds the whole transfer; no responder → code
 * WORKER_UNAVAILABLE.
 */
export async function requestChunks(
  nc: NatsConnection,
  subject: string,
  payload: unknown,
  timeoutMs: number,
): Promise<{ bytes: Buffer; contentType: string }> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  const parts: Buffer[] = [];
  let contentType = 'application/octet-stream';
  try {
    const h = natsHeaders();
    nc.publish(subject, new TextEncoder().encode(JSON.stringify(payload)), { reply: inbox, headers: h });
    for await (const msg of sub as AsyncIterable<Msg>) {
      if (msg.headers?.hasError && msg.headers.code === 503) {
        throw new ChunkedTransferError('WORKER_UNAVAILABLE', 'No worker is serving this provider');
      }
      const errorCode = msg.headers?.get(ChunkHeaders.errorCode);
      if (errorCode) throw new ChunkedTransferError(errorCode, new TextDecoder().decode(msg.data));
      const index = Number(msg.headers?.get(ChunkHeaders.index) ?? parts.length);
      parts[index] = Buffer.from(msg.data);
      contentType = msg.headers?.get(ChunkHeaders.contentType) || contentType;
      if (msg.headers?.get(ChunkHeaders.last) === 'true') {
        return { bytes: Buffer.concat(parts), contentType };
      }
    }
    throw new ChunkedTransferError('PROVIDER_TIMEOUT', `No complete answer on ${subject} within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}

/** An error a file handler throws to answer with a specific code (NOT_FOUND, FORBIDDEN_HOST, a provider code). */
export interface CodedError {
  code?: unknown;
  message?: unknown;
}

/**
 * Serves `subject` (queue group `queue`) with files answered in chunks: files exceed NATS's 1 MiB payload limit,
 * so such subjects ride the raw connection instead of Nest's single-reply @MessagePattern. A thrown error with a
 * string `code` answers with that code; anything else with `fallbackCode`.
 */
export function serveChunked(
  nc: NatsConnection,
  subject: string,
  queue: string,
  handler: (payload: unknown) => Promise<{ bytes: Uint8Array; contentType: string }>,
  onUnexpected: (error: unknown) => void = () => undefined,
  fallbackCode = 'PROVIDER_ERROR',
): { unsubscribe(): void } {
  return nc.subscribe(subject, {
    queue,
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const replyTo = msg.reply;
      void (async () => {
        try {
          const file = await handler(msg.data.length ? msg.json() : {});
          replyInChunks(nc, replyTo, file.bytes, file.contentType);
        } catch (thrown) {
          const coded = thrown as CodedError;
          const code = typeof coded?.code === 'string' ? coded.code : fallbackCode;
          if (typeof coded?.code !== 'string') onUnexpected(thrown);
          replyError(nc, replyTo, code, typeof coded?.message === 'string' ? coded.message : 'request failed');
        }
      })();
    },
  });
}
