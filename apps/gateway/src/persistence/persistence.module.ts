import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { GatewayConfig } from '../config/gateway.config.js';
import { openDatabase } from './open-database.js';
import { SqlClient } from './sql-client.js';

@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [{ provide: SqlClient, useFactory: () => openDatabase(config) }],
      exports: [SqlClient],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.moduleRef.get(SqlClient, { strict: false }).close();
  }
}
