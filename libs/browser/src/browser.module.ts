import { Module, type DynamicModule } from '@nestjs/common';
import { BrowserConfig, BrowserSession } from './browser-session.js';
import { PuppeteerBrowserSession } from './puppeteer/puppeteer-browser-session.js';

@Module({})
export class BrowserModule {
  static forRoot(config: BrowserConfig): DynamicModule {
    return {
      module: BrowserModule,
      global: true,
      providers: [
        { provide: BrowserConfig, useValue: config },
        PuppeteerBrowserSession,
        { provide: BrowserSession, useExisting: PuppeteerBrowserSession },
      ],
      exports: [BrowserSession, BrowserConfig],
    };
  }
}
