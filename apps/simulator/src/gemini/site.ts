import type { SimulatedSite } from '../site.js';
import { registerGeminiAdmin } from './gemini-admin.js';
import { registerGeminiApp } from './gemini-app.js';
import { GeminiState } from './gemini-state.js';

/** gemini.google.com: one origin, the app page with its small backend and the videos. */
export const site: SimulatedSite = {
  async start({ config, faults, admin, server, listen }) {
    const state = new GeminiState({ speed: config.SIM_SPEED, renderMs: 60_000, uploadMs: 1500 });
    const app = server();
    registerGeminiApp(app, state, faults);
    const url = await listen(app, 'app');
    registerGeminiAdmin(admin, state, config.SIM_HOST);
    return {
      urls: { app: url },
      admin: { name: 'gemini', stats: () => state.stats(), reset: () => state.reset() },
      servers: [app],
    };
  },
};
