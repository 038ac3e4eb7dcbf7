import 'reflect-metadata';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { loadConfig } from '@app/contracts';
import { createLogger, requestId } from '@app/logging';
import { registerAdmin } from './admin/admin.js';
import { registerChatgptAdmin } from './chatgpt/chatgpt-admin.js';
import { registerChatgptApp } from './chatgpt/chatgpt-app.js';
import { ChatgptState } from './chatgpt/chatgpt-state.js';
import { SimulatorConfig } from './config/simulator.config.js';
import { FaultRegistry } from './faults/faults.js';
import { registerGeminiAdmin } from './gemini/gemini-admin.js';
import { registerGeminiApp } from './gemini/gemini-app.js';
import { GeminiState } from './gemini/gemini-state.js';
import { registerIdeogramAdmin } from './ideogram/ideogram-admin.js';
import { registerIdeogramApp } from './ideogram/ideogram-app.js';
import { IdeogramState } from './ideogram/ideogram-state.js';
import { registerMidjourneyApp } from './midjourney/midjourney-app.js';
import { registerMidjourneyCdn, registerMidjourneyLinks } from './midjourney/midjourney-cdn.js';
import { registerMidjourneySocket } from './midjourney/midjourney-socket.js';
import { MidjourneyState } from './midjourney/midjourney-state.js';

// The simulator imitates provider sites for tests, benchmarks and sandbox mode. Each imitated origin listens on
// its own port (cookies and CORS behave as with separate hosts); plain Fastify keeps per-request cost low.
const config = loadConfig(SimulatorConfig);
const logger: FastifyBaseLogger = createLogger({ service: 'simulator', level: config.LOG_LEVEL });

function server(): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    disableRequestLogging: config.LOG_LEVEL !== 'debug', // per request only when asked: benchmarks go through here
    genReqId: requestId,
    bodyLimit: 64 * 1024 * 1024,
    keepAliveTimeout: 30_000,
  });
  // Multipart bodies are parsed by the endpoint that needs them.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  return app;
}

async function listen(app: FastifyInstance, port: number): Promise<string> {
  await app.listen({ port: config.SIM_ANY_PORTS ? 0 : port, host: config.SIM_BIND });
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return `http://${config.SIM_HOST}:${actual}`;
}

const faults = new FaultRegistry();
const mj = new MidjourneyState({
  speed: config.SIM_SPEED,
  jitter: config.SIM_JITTER,
  runningLimit: 3,
  staggerMs: 0,
  tokenLifetimeS: 3600,
});

const ideogram = new IdeogramState({
  speed: config.SIM_SPEED,
  jitter: config.SIM_JITTER,
  maxInflight: 1,
  tokenLifetimeS: 3600,
  requireBearer: false,
});
const chatgpt = new ChatgptState({
  speed: config.SIM_SPEED,
  answerMs: 4000,
  imageMs: 20_000,
  uploadMs: 1500,
  tokenLifetimeS: 3600,
});

const gemini = new GeminiState({ speed: config.SIM_SPEED, renderMs: 60_000, uploadMs: 1500 });

const admin = server();
const mjApp = server();
const mjCdn = server();
const mjLinks = server();
const mjWs = server();
const ideogramApp = server();
const gptApp = server();
const geminiApp = server();

registerAdmin(admin, mj, faults, config.SIM_HOST, [
  registerIdeogramAdmin(admin, ideogram, config.SIM_HOST),
  { name: 'chatgpt', stats: () => chatgpt.stats(), reset: () => chatgpt.reset() },
  { name: 'gemini', stats: () => gemini.stats(), reset: () => gemini.reset() },
]);
registerChatgptAdmin(admin, chatgpt, config.SIM_HOST);
registerGeminiAdmin(admin, gemini, config.SIM_HOST);
const urls = {
  admin: await listen(admin, config.SIMULATOR_PORT),
  midjourney: { app: '', cdn: '', links: '', ws: '' },
  ideogram: { app: '' },
  chatgpt: { app: '' },
  gemini: { app: '' },
};
// Origins learn each other's URLs once bound (links in upload answers, CORS on the CDN): `origins` is filled below.
const origins = { app: '', cdn: '', links: '', host: config.SIM_HOST };
registerMidjourneyApp(mjApp, mj, faults, origins);
registerMidjourneyLinks(mjLinks, mj);
urls.midjourney.links = await listen(mjLinks, config.SIM_MIDJOURNEY_LINKS_PORT);
urls.midjourney.app = await listen(mjApp, config.SIM_MIDJOURNEY_APP_PORT);
registerMidjourneyCdn(mjCdn, mj, faults, urls.midjourney.app);
urls.midjourney.cdn = await listen(mjCdn, config.SIM_MIDJOURNEY_CDN_PORT);
registerMidjourneySocket(mjWs, mj, faults);
urls.midjourney.ws = (await listen(mjWs, config.SIM_MIDJOURNEY_WS_PORT)).replace(/^http/, 'ws');
Object.assign(origins, urls.midjourney);
registerIdeogramApp(ideogramApp, ideogram, faults);
urls.ideogram.app = await listen(ideogramApp, config.SIM_IDEOGRAM_APP_PORT);
// The blob store and estuary downloads are served by the app origin itself (one host to configure).
const gptOrigins = { app: '' };
registerChatgptApp(gptApp, chatgpt, faults, gptOrigins);
urls.chatgpt.app = gptOrigins.app = await listen(gptApp, config.SIM_CHATGPT_APP_PORT);
registerGeminiApp(geminiApp, gemini, faults);
urls.gemini.app = await listen(geminiApp, config.SIM_GEMINI_APP_PORT);

logger.info({ urls }, 'simulator ready');
// The marker the test harness and scripts read (a plain line, whatever the log format).
process.stdout.write(`SIMULATOR_READY ${JSON.stringify(urls)}\n`);

const shutdown = async () => {
  await Promise.all([admin, mjApp, mjCdn, mjLinks, mjWs, ideogramApp, gptApp, geminiApp].map((s) => s.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
