import type { SimulatedSite } from '../site.js';
import { registerMidjourneyAdmin } from './midjourney-admin.js';
import { registerMidjourneyApp } from './midjourney-app.js';
import { registerMidjourneyCdn, registerMidjourneyLinks } from './midjourney-cdn.js';
import { registerMidjourneySocket } from './midjourney-socket.js';
import { MidjourneyState } from './midjourney-state.js';

/** midjourney.com: the app, its CDN, the upload links host and the websocket, each an origin of its own. */
export const site: SimulatedSite = {
  async start({ config, faults, admin, server, listen }) {
    const state = new MidjourneyState({
      speed: config.SIM_SPEED,
      jitter: config.SIM_JITTER,
      runningLimit: 3,
      staggerMs: 0,
      tokenLifetimeS: 3600,
    });
    const [app, cdn, links, ws] = [server(), server(), server(), server()];
    // Origins learn each other's URLs once bound (links in upload answers, CORS on the CDN).
    const origins = { app: '', cdn: '', links: '', host: config.SIM_HOST };
    const urls = { app: '', cdn: '', links: '', ws: '' };
    registerMidjourneyApp(app, state, faults, origins);
    registerMidjourneyLinks(links, state);
    urls.links = await listen(links, 'links');
    urls.app = await listen(app, 'app');
    registerMidjourneyCdn(cdn, state, faults, urls.app);
    urls.cdn = await listen(cdn, 'cdn');
    registerMidjourneySocket(ws, state, faults);
    urls.ws = (await listen(ws, 'ws')).replace(/^http/, 'ws');
    Object.assign(origins, urls);
    return { urls, admin: registerMidjourneyAdmin(admin, state, config.SIM_HOST), servers: [app, cdn, links, ws] };
  },
};
