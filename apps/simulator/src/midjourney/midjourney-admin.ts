import type { FastifyInstance } from 'fastify';
import type { AdminExtension } from '../admin/admin.js';
import { sessionCookies } from './midjourney-app.js';
import type { MidjourneyState } from './midjourney-state.js';

/** `/__admin/midjourney/*` and `/__admin/config` (Midjourney's timing): accounts, cookies, jobs; its stats part. */
export function registerMidjourneyAdmin(admin: FastifyInstance, mj: MidjourneyState, host: string): AdminExtension {
  admin.post('/__admin/midjourney/accounts', async (req) => {
    const { name } = (req.body ?? {}) as { name?: string };
    const account = mj.account(name || 'default');
    return { name: account.name, userId: account.userId };
  });

  admin.get('/__admin/midjourney/accounts/:name', async (req, reply) => {
    const account = mj.accounts.get((req.params as { name: string }).name);
    if (!account) return reply.code(404).send({ error: 'unknown account' });
    return { name: account.name, userId: account.userId, revoked: account.revoked, tokenExpiresAt: account.idTokenExp };
  });

  admin.get('/__admin/midjourney/accounts/:name/cookies', async (req) => {
    const account = mj.account((req.params as { name: string }).name);
    return sessionCookies(mj, account, host);
  });

  /** Expires the account's id token now: the next page load must refresh it (token rotation tests). */
  admin.post('/__admin/midjourney/accounts/:name/expire', async (req) => {
    const account = mj.account((req.params as { name: string }).name);
    account.idTokenExp = Math.floor(Date.now() / 1000) - 1;
    return { ok: true };
  });

  admin.post('/__admin/config', async (req) => {
    const body = (req.body ?? {}) as Partial<typeof mj.timing>;
    for (const key of ['speed', 'jitter', 'runningLimit', 'staggerMs', 'tokenLifetimeS'] as const) {
      if (typeof body[key] === 'number') mj.timing[key] = body[key];
    }
    return mj.timing;
  });

  admin.get('/__admin/midjourney/jobs/:id', async (req, reply) => {
    const job = mj.jobs.get((req.params as { id: string }).id);
    if (!job) return reply.code(404).send({ error: 'unknown job' });
    return mj.describe(job);
  });

  return {
    name: 'midjourney',
    stats() {
      const now = Date.now();
      return {
        submits: mj.submits,
        submitsByType: mj.submitsByType,
        describes: mj.describes,
        requests: mj.requests,
        uploads: mj.uploads.size,
        jobs: [...mj.jobs.values()].map((j) => ({
          job_id: j.job_id,
          account: j.account,
          t: j.t,
          parentId: j.parentId ?? null,
          batchSize: j.batchSize,
          width: j.width,
          height: j.height,
          prompt: j.prompt,
          mode: j.mode,
          kind: j.kind,
          submittedAt: j.submittedAt,
          completesAt: j.completesAt,
          completedAt: mj.state(j, now) === 'completed' ? j.completesAt : null,
          statusRequests: j.statusRequests,
          cdnRequests: j.cdnRequests,
          state: mj.state(j, now),
        })),
      };
    },
    reset: () => mj.reset(),
  };
}
