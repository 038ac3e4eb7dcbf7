import { Module, type DynamicModule } from '@nestjs/common';
import { LocalObjectStorage } from './local/local-object-storage.js';
import { ObjectStorage, StorageConfig } from './object-storage.js';
import { SupabaseObjectStorage } from './supabase/supabase-object-storage.js';

@Module({})
export class StorageModule {
  static forRoot(config: StorageConfig): DynamicModule {
    const adapter = config.driver === 'supabase' ? SupabaseObjectStorage : LocalObjectStorage;
    return {
      module: StorageModule,
      global: true,
      providers: [
        { provide: StorageConfig, useValue: config },
        { provide: ObjectStorage, useClass: adapter },
      ],
      exports: [ObjectStorage, StorageConfig],
    };
  }
}
