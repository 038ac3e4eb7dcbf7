import type { FastifyInstance } from 'fastify';
import type { AdminExtension } from '../admin/admin.js';
import { ideogramSessionCookies } from './ideogram-app.js';
import type { IdeogramState } from './ideogram-state.js';

/** `/__admin/ideogram/*`: accounts, cookies, token expiry, credits, timing; its part of stats and reset. */
export function registerIdeogramAdmin(admin: FastifyInstance, state: IdeogramState, host: string): AdminExtension {
  const named = (params: unknown) => state.account((params as { name: string }).name);

  admin.post('/__admin/ideogram/accounts', async (req) => {
    const { name } = (req.body ?? {}) as { name?: string };
    const account = state.account(name || 'default');
    return { name: account.name, userId: account.userId, orgId: account.orgId, handle: account.handle };
  });

  admin.get('/__admin/ideogram/accounts/:name', async (req, reply) => {
    const account = state.accounts.get((req.params as { name: string }).name);
    if (!account) return reply.code(404).send({ error: 'unknown account' });
    return {
      name: account.name,
      userId: account.userId,
      orgId: account.orgId,
      handle: account.handle,
      revoked: account.revoked,
      credits: account.credits,
      tokens: account.tokens.size,
    };
  });

  admin.get('/__admin/ideogram/accounts/:name/cookies', async (req) => ideogramSessionCookies(named(req.params), host));

  /** Every token of the account expires now: the next call bearing one gets 401 until the client refreshes. */
  admin.post('/__admin/ideogram/accounts/:name/expire', async (req) => {
    state.expireTokens(named(req.params));
    return { ok: true };
  });

  /** A fresh token of the account, as a caller holding their own Ideogram session would have. */
  admin.post('/__admin/ideogram/accounts/:name/token', async (req) => {
    const issued = state.issueToken(named(req.params));
    return { access_token: issued.token, expires_at: new Date(issued.expiresAt).toISOString() };
  });

  /** `{credits: n}` (0 = exhausted) or `{credits: null}` (unlimited); `{revoked: true}` fails token refreshes. */
  admin.post('/__admin/ideogram/accounts/:name/state', async (req) => {
    const account = named(req.params);
    const body = (req.body ?? {}) as { credits?: number | null; revoked?: boolean };
    if (body.credits === null || typeof body.credits === 'number') account.credits = body.credits;
    if (typeof body.revoked === 'boolean') account.revoked = body.revoked;
    return { credits: account.credits, revoked: account.revoked };
  });

  admin.post('/__admin/ideogram/config', async (req) => {
    const body = (req.body ?? {}) as Partial<IdeogramState['timing']>;
    for (const key of ['speed', 'jitter', 'maxInflight', 'tokenLifetimeS'] as const) {
      if (typeof body[key] === 'number') state.timing[key] = body[key];
    }
    if (typeof body.requireBearer === 'boolean') state.timing.requireBearer = body.requireBearer;
    return state.timing;
  });

  admin.get('/__admin/ideogram/requests/:id', async (req, reply) => {
    const request = state.requests.get((req.params as { id: string }).id);
    if (!request) return reply.code(404).send({ error: 'unknown request' });
    return state.describe(request);
  });

  return {
    name: 'ideogram',
    stats: () => {
      const now = Date.now();
      return {
        submits: state.submits,
        requests: state.requestCounts,
        uploads: state.uploads.size,
        tokenRefreshes: state.tokenRefreshes,
        tokenSourceRequests: state.tokenSourceRequests,
        rejectedTokens: state.rejectedTokens,
        jobs: [...state.requests.values()].map((r) => {
          const view = state.view(r, now);
          return {
            request_id: r.request_id,
            account: r.account,
            type: r.type,
            prompt: r.prompt,
            parent: r.parent,
            numImages: r.numImages,
            width: r.width,
            height: r.height,
            submittedAt: r.submittedAt,
            completesAt: r.completesAt,
            completedAt: view.is_completed ? r.completesAt : null,
            state: view.is_completed ? 'completed' : view.is_errored ? 'errored' : 'running',
            progress: view.completion_percentage,
            pollRequests: r.pollRequests,
            legacyPolls: r.legacyPolls,
            downloadRequests: r.downloadRequests,
            statusRequests: r.pollRequests + r.legacyPolls,
          };
        }),
      };
    },
    reset: () => state.reset(),
  };
}
