import 'reflect-metadata';
import { loadConfig } from '@app/contracts';
import { startWorker } from '@app/provider-adapter';
import { AppModule } from './app.module.js';
import { ChatgptConfig } from './config/chatgpt.config.js';

const config = loadConfig(ChatgptConfig);
await startWorker(AppModule.forRoot(config), {
  provider: 'chatgpt',
  port: config.CHATGPT_PORT,
  logLevel: config.LOG_LEVEL,
  describe: `account ${config.CHATGPT_ACCOUNT}, target ${config.CHATGPT_APP_URL}`,
});
