import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { GatewayConfig } from '../config/gateway.config.js';
import { Database } from './database.js';
import { startDatabase } from './open-database.js';
import { SqlClient } from './sql-client.js';

@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  static forRoot(config: GatewayConfig, afterOpen?: (sql: SqlClient) => Promise<void>): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: Database, useFactory: () => startDatabase(config, afterOpen) },
        { provide: SqlClient, useExisting: Database },
      ],
      exports: [Database, SqlClient],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.moduleRef.get(Database, { strict: false }).close();
  }
}
