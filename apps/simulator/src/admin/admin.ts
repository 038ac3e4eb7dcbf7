import type { FastifyInstance } from 'fastify';
import { FAULTS, type Fault, type FaultRegistry } from '../faults/faults.js';
import { sessionCookies } from '../midjourney/midjourney-app.js';
import type { MidjourneyState } from '../midjourney/midjourney-state.js';

/** Another provider's part of `/__admin/stats` and `/__admin/reset` (its own routes it registers itself). */
export interface AdminExtension {
  name: string;
  stats(): unknown;
  reset(): void;
}

/** The test/benchmark control surface: accounts, faults, timing and counters. */
export function registerAdmin(
  admin: FastifyInstance,
  mj: MidjourneyState,
  faults: FaultRegistry,
  host: string,
  extensions: AdminExtension[] = [],
) {
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

  admin.post('/__admin/faults', async (req, reply) => {
    const fault = (req.body ?? {}) as Fault;
    try {
      faults.add({ ...fault, provider: fault.provider ?? 'midjourney' });
    } catch (error) {
      return reply.code(400).send({ error: String(error), known: FAULTS });
    }
    return { faults: faults.list() };
  });
  admin.delete('/__admin/faults', async () => {
    faults.clear();
    return { faults: [] };
  });
  admin.get('/__admin/faults', async () => ({ faults: faults.list() }));

  admin.post('/__admin/config', async (req) => {
    const body = (req.body ?? {}) as Partial<typeof mj.timing>;
    for (const key of ['speed', 'jitter', 'runningLimit', 'staggerMs', 'tokenLifetimeS'] as const) {
      if (typeof body[key] === 'number') mj.timing[key] = body[key];
    }
    return mj.timing;
  });

  admin.get('/__admin/stats', async () => {
    const now = Date.now();
    return {
      midjourney: {
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
      },
      ...Object.fromEntries(extensions.map((e) => [e.name, e.stats()])),
    };
  });

  admin.get('/__admin/midjourney/jobs/:id', async (req, reply) => {
    const job = mj.jobs.get((req.params as { id: string }).id);
    if (!job) return reply.code(404).send({ error: 'unknown job' });
    return mj.describe(job);
  });

  admin.post('/__admin/reset', async () => {
    mj.reset();
    for (const extension of extensions) extension.reset();
    faults.clear();
    return { ok: true };
  });
}
