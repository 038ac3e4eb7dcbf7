import 'reflect-metadata';
import { loadConfig } from '@app/contracts';
import { startWorker } from '@app/provider-adapter';
import { AppModule } from './app.module.js';
import { IdeogramConfig } from './config/ideogram.config.js';

const config = loadConfig(IdeogramConfig);
await startWorker(AppModule.forRoot(config), {
  provider: 'ideogram',
  port: config.IDEOGRAM_PORT,
  logLevel: config.LOG_LEVEL,
  describe: `account ${config.IDEOGRAM_ACCOUNT}, target ${config.IDEOGRAM_APP_URL}`,
});
