import type { SimulatedSite } from '../site.js';
import { registerChatgptAdmin } from './chatgpt-admin.js';
import { registerChatgptApp } from './chatgpt-app.js';
import { ChatgptState } from './chatgpt-state.js';

/** chatgpt.com: one origin, which serves the blob store and estuary downloads too (one host to configure). */
export const site: SimulatedSite = {
  async start({ config, faults, admin, server, listen }) {
    const state = new ChatgptState({
      speed: config.SIM_SPEED,
      answerMs: 4000,
      imageMs: 20_000,
      uploadMs: 1500,
      tokenLifetimeS: 3600,
    });
    const app = server();
    const origins = { app: '' };
    registerChatgptApp(app, state, faults, origins);
    origins.app = await listen(app, 'app');
    registerChatgptAdmin(admin, state, config.SIM_HOST);
    return {
      urls: { app: origins.app },
      admin: { name: 'chatgpt', stats: () => state.stats(), reset: () => state.reset() },
      servers: [app],
    };
  },
};
