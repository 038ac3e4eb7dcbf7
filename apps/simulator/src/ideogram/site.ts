import type { SimulatedSite } from '../site.js';
import { registerIdeogramAdmin } from './ideogram-admin.js';
import { registerIdeogramApp } from './ideogram-app.js';
import { IdeogramState } from './ideogram-state.js';

/** ideogram.ai: one origin (pages and the API). */
export const site: SimulatedSite = {
  async start({ config, faults, admin, server, listen }) {
    const state = new IdeogramState({
      speed: config.SIM_SPEED,
      jitter: config.SIM_JITTER,
      maxInflight: 1,
      tokenLifetimeS: 3600,
      requireBearer: false,
    });
    const app = server();
    registerIdeogramApp(app, state, faults);
    const urls = { app: await listen(app, 'app') };
    return { urls, admin: registerIdeogramAdmin(admin, state, config.SIM_HOST), servers: [app] };
  },
};
