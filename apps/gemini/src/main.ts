import 'reflect-metadata';
import { loadConfig } from '@app/contracts';
import { startWorker } from '@app/provider-adapter';
import { AppModule } from './app.module.js';
import { GeminiConfig } from './config/gemini.config.js';

const config = loadConfig(GeminiConfig);
await startWorker(AppModule.forRoot(config), {
  provider: 'gemini',
  port: config.GEMINI_PORT,
  logLevel: config.LOG_LEVEL,
  describe: `account ${config.GEMINI_ACCOUNT}, target ${config.GEMINI_APP_URL}`,
});
