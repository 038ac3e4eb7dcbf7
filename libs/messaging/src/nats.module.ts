import { Module, type DynamicModule } from '@nestjs/common';
import { NatsConfig, NatsService } from './nats.service.js';

@Module({})
export class NatsModule {
  static forRoot(config: NatsConfig): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [{ provide: NatsConfig, useValue: config }, NatsService],
      exports: [NatsService],
    };
  }
}
