import type { FastifyInstance } from 'fastify';
import { FAULTS, type Fault, type FaultRegistry } from '../faults/faults.js';

/** A provider's part of `/__admin/stats` and `/__admin/reset` (its own routes it registers itself). */
export interface AdminExtension {
  name: string;
  stats(): unknown;
  reset(): void;
}

/** The test/benchmark control surface: accounts, faults, timing and counters. */
export function registerAdmin(admin: FastifyInstance, faults: FaultRegistry, extensions: AdminExtension[]) {
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

  admin.get('/__admin/stats', async () => Object.fromEntries(extensions.map((e) => [e.name, e.stats()])));

  admin.post('/__admin/reset', async () => {
    for (const extension of extensions) extension.reset();
    faults.clear();
    return { ok: true };
  });
}
