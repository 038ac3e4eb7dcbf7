import type { FastifyInstance } from 'fastify';
import type { AdminExtension } from './admin/admin.js';
import type { SimulatorConfig } from './config/simulator.config.js';
import type { FaultRegistry } from './faults/faults.js';

/** What the simulator hands each imitated site: shared faults and admin server, and how to bind an origin. */
export interface SiteContext {
  config: SimulatorConfig;
  faults: FaultRegistry;
  /** The admin server: a site registers its `/__admin/<provider>/*` routes there. */
  admin: FastifyInstance;
  /** A new Fastify server for one origin. */
  server: () => FastifyInstance;
  /** Binds an origin of the catalog's `simulator` list on its port and returns its URL. */
  listen: (app: FastifyInstance, origin: string) => Promise<string>;
}

export interface StartedSite {
  /** The URL of each origin of the catalog's `simulator` list (SIMULATOR_READY reports them). */
  urls: Record<string, string>;
  /** Its part of `/__admin/stats` and `/__admin/reset`. */
  admin: AdminExtension;
  servers: FastifyInstance[];
}

/**
 * One provider's imitation: apps/simulator/src/<provider>/site.ts exports `site`, and the simulator starts one per
 * provider of the catalog (provider-catalog.mjs), so a new imitation needs no wiring outside its folder.
 */
export interface SimulatedSite {
  start(context: SiteContext): Promise<StartedSite>;
}
