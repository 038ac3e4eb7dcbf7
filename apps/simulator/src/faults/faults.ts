import type { FastifyReply } from 'fastify';

/** Deterministic fault switches shared by every imitated provider (PROVIDERS.md §5.0). */
export const FAULTS = [
  'unauthorized',
  'revoked',
  'challenge',
  'challenge_200',
  'challenge_once',
  'rate_limit',
  'moderation',
  'softban',
  'stuck',
  'slow_cdn',
  'server_error',
  'queue_full',
  'network_drop',
  'latency',
  'moderated',
  // Ideogram: a request that fails half way (`is_errored`), no credits left, the account's in-flight slot taken,
  // the Bearer token expiring at this call.
  'errored',
  'quota_exhausted',
  'inflight_limit',
  'token_expired',
  // Midjourney's websocket: open sockets are cut at their next frame, new ones refused while armed.
  'socket_drop',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface Fault {
  provider: string;
  fault: FaultName;
  /** submit | status | cdn | upload | page | api | refresh | socket | any (default any). */
  endpoint?: string;
  account?: string;
  /** How many times it fires; unlimited when absent. */
  times?: number;
  latencyMs?: number;
  /**
   * When a submit fault strikes: `before` the job exists (nothing created) or `after` it was created (the answer is
   * lost or late). Defaults: `latency` before (a client that gave up meanwhile is never served, as if the request
   * was held in front of the origin); `server_error` and `network_drop` after (the hard case: accepted, answer lost).
   */
  stage?: 'before' | 'after';
  /** HTTP status of `server_error` (500, 502, 503, 504; default 503 on the app, 502 on the CDN). */
  status?: number;
}

/** `api` covers every endpoint but the CDN and the HTML page; no endpoint or `any` covers all; no account, all. */
function matches(f: Fault, provider: string, endpoint: string, account: string | undefined): boolean {
  const endpointMatches =
    !f.endpoint ||
    f.endpoint === 'any' ||
    f.endpoint === endpoint ||
    (f.endpoint === 'api' && endpoint !== 'cdn' && endpoint !== 'page');
  return f.provider === provider && endpointMatches && (!f.account || !account || f.account === account);
}

export class FaultRegistry {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    if (!FAULTS.includes(fault.fault)) {
      throw new Error(`unknown fault ${String(fault.fault)}; known: ${FAULTS.join(', ')}`);
    }
    if (fault.times !== undefined && fault.times <= 0) return; // armed to fire no time at all
    // "Clears after one reload" is the point of this switch: it fires once unless told otherwise.
    this.faults.push({ ...fault, ...(fault.fault === 'challenge_once' ? { times: fault.times ?? 1 } : {}) });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return [...this.faults];
  }

  /** The first matching fault among `names` for this endpoint; consumes one of its `times`. */
  take(
    provider: string,
    endpoint: string,
    account: string | undefined,
    names: readonly FaultName[],
    filter: (fault: Fault) => boolean = () => true,
  ): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => names.includes(f.fault) && matches(f, provider, endpoint, account) && filter(f),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault.times !== undefined) {
      fault.times--;
      if (fault.times <= 0) this.faults.splice(index, 1);
    }
    return fault;
  }

  /** Like take() but does not consume (for state-like faults such as unauthorized or stuck). */
  has(provider: string, endpoint: string, account: string | undefined, name: FaultName): boolean {
    return this.faults.some((f) => f.fault === name && matches(f, provider, endpoint, account));
  }
}

export const CHALLENGE_HTML =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>' +
  '<div id="challenge-platform"><script>window._cf_chl_opt={cType:"managed"}</script>Checking your browser before accessing.</div>' +
  '<form action="/cdn-cgi/challenge-platform/h/b/orchestrate" method="POST"></form></body></html>';

/**
 * PROVIDERS.md §5.0 "network drop": the connection is reset mid-response. Status, headers and the start of the
 * body go out, then the socket dies. (A connection closed before any response byte is another fault: Chromium may
 * then resend the request by itself on a reused keep-alive socket, below anything a client can see.)
 */
export function dropMidResponse(reply: FastifyReply, contentType: string, start: string | Buffer): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': contentType, 'content-length': '65536' });
  raw.write(start, () => raw.socket?.destroy());
}
