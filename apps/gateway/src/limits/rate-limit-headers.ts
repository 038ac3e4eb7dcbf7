/**
 * IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names a policy with its quota `q`
 * and window `w` (seconds), `RateLimit` gives what `r` remains of it and in how many seconds `t` it resets. Names are
 * lower case: Fastify sends them as given, and HTTP header names are case-insensitive.
 */
export interface RateLimitState {
  policy: string;
  quota: number;
  windowSeconds?: number;
  remaining: number;
  resetSeconds?: number;
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const window = state.windowSeconds !== undefined ? `;w=${state.windowSeconds}` : '';
  const reset = state.resetSeconds !== undefined ? `;t=${state.resetSeconds}` : '';
  return {
    'ratelimit-policy': `"${state.policy}";q=${state.quota}${window}`,
    ratelimit: `"${state.policy}";r=${Math.max(0, state.remaining)}${reset}`,
  };
}
