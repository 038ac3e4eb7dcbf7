import { Logger } from '@nestjs/common';
import type { Job } from '@app/contracts';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { SqlClient } from '../persistence/sql-client.js';
import { NoProductDesignSync, ProductDesignSync } from './product-design.sync.js';
import { SqlProductDesignSync } from './sql-product-design.sync.js';
import { SupabaseProductDesignSync } from './supabase-product-design.sync.js';

/**
 * `auto` looks for the table on first use rather than at start: the gateway starts while the database is still
 * unreachable, and no job reaches a sync before the database is open. A failed look is tried again next time.
 */
export class AutoProductDesignSync extends ProductDesignSync {
  private chosen?: ProductDesignSync;
  private choosing?: Promise<ProductDesignSync>;

  constructor(private readonly choose: () => Promise<ProductDesignSync>) {
    super();
  }

  get mode(): ProductDesignSync['mode'] {
    return this.chosen?.mode ?? 'off';
  }

  async sync(job: Job): Promise<void> {
    this.choosing ??= this.choose().then(
      (chosen) => (this.chosen = chosen),
      (error: unknown) => {
        this.choosing = undefined;
        throw error;
      },
    );
    await (await this.choosing).sync(job);
  }
}

/** auto: SQL when the configured Postgres holds product_design, else supabase-js when configured, else off. */
export function productDesignSyncFactory(config: GatewayConfig, sql: SqlClient): ProductDesignSync {
  const logger = new Logger('ProductDesignSync');
  const mode = config.PRODUCT_DESIGN_SYNC;
  const supabase =
    config.SUPABASE_URL && config.SUPABASE_SERVICE_ROLE_KEY
      ? () => new SupabaseProductDesignSync(config.SUPABASE_URL!, config.SUPABASE_SERVICE_ROLE_KEY!)
      : null;
  const chosen = (sync: ProductDesignSync) => {
    logger.log(`product_design sync: ${sync.mode}`);
    return sync;
  };
  switch (mode) {
    case 'sql':
      return chosen(new SqlProductDesignSync(sql));
    case 'supabase':
      if (!supabase) throw new Error('PRODUCT_DESIGN_SYNC=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
      return chosen(supabase());
    case 'off':
      return chosen(new NoProductDesignSync());
    case 'auto':
      return new AutoProductDesignSync(async () =>
        chosen(
          (await SqlProductDesignSync.available(sql))
            ? new SqlProductDesignSync(sql)
            : supabase
              ? supabase()
              : new NoProductDesignSync(),
        ),
      );
  }
}
