import 'reflect-metadata';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { loadConfig, PROVIDER_CATALOG } from '@app/contracts';
import { createLogger, requestId } from '@app/logging';
import { registerAdmin } from './admin/admin.js';
import { SimulatorConfig, simulatorPort } from './config/simulator.config.js';
import { FaultRegistry } from './faults/faults.js';
import type { SimulatedSite, StartedSite } from './site.js';

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
const admin = server();

// One imitation per provider of the catalog, from its folder: apps/simulator/src/<provider>/site.ts.
const sites: Record<string, StartedSite> = {};
for (const entry of PROVIDER_CATALOG) {
  const { site } = (await import(`./${entry.name}/site.js`)) as { site: SimulatedSite };
  sites[entry.name] = await site.start({
    config,
    faults,
    admin,
    server,
    listen: (app, origin) => listen(app, simulatorPort(entry, origin)),
  });
}
// The admin server binds last: its routes include every site's.
registerAdmin(
  admin,
  faults,
  Object.values(sites).map((started) => started.admin),
);
const urls = {
  admin: await listen(admin, config.SIMULATOR_PORT),
  ...Object.fromEntries(Object.entries(sites).map(([name, started]) => [name, started.urls])),
};

logger.info({ urls }, 'simulator ready');
// The marker the test harness and scripts read (a plain line, whatever the log format).
process.stdout.write(`SIMULATOR_READY ${JSON.stringify(urls)}\n`);

const shutdown = async () => {
  await Promise.all([admin, ...Object.values(sites).flatMap((started) => started.servers)].map((s) => s.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
