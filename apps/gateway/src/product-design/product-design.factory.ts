import { Logger } from '@nestjs/common';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { NoProductDesignSync, type ProductDesignSync } from './product-design.sync.js';
import { SqlProductDesignSync } from './sql-product-design.sync.js';
import { SupabaseProductDesignSync } from './supabase-product-design.sync.js';

/** auto: SQL when the configured Postgres holds product_design, else supabase-js when configured, else off. */
export async function productDesignSyncFactory(config: GatewayConfig, sql: SqlClient): Promise<ProductDesignSync> {
  const logger = new Logger('ProductDesignSync');
  const mode = config.PRODUCT_DESIGN_SYNC;
  const supabase =
    config.SUPABASE_URL && config.SUPABASE_SERVICE_ROLE_KEY
      ? () => new SupabaseProductDesignSync(config.SUPABASE_URL!, config.SUPABASE_SERVICE_ROLE_KEY!)
      : null;
  let chosen: ProductDesignSync = new NoProductDesignSync();
  if (mode === 'sql' || (mode === 'auto' && (await SqlProductDesignSync.available(sql)))) {
    chosen = new SqlProductDesignSync(sql);
  } else if ((mode === 'supabase' || mode === 'auto') && supabase) chosen = supabase();
  else if (mode === 'supabase') {
    throw new Error('PRODUCT_DESIGN_SYNC=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
  }
  logger.log(`product_design sync: ${chosen.mode}`);
  return chosen;
}
