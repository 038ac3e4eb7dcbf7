import 'reflect-metadata';
import { loadConfig } from '@app/contracts';
import { startWorker } from '@app/provider-adapter';
import { AppModule } from './app.module.js';
import { MidjourneyConfig } from './config/midjourney.config.js';

const config = loadConfig(MidjourneyConfig);
await startWorker(AppModule.forRoot(config), {
  provider: 'midjourney',
  port: config.MIDJOURNEY_PORT,
  logLevel: config.LOG_LEVEL,
  describe: `account ${config.MIDJOURNEY_ACCOUNT}, target ${config.MIDJOURNEY_APP_URL}`,
});
