import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Job } from '@app/contracts';
import { ProductDesignSync, mergeUrls, toProductDesignUpdate } from './product-design.sync.js';

/** Through Supabase's REST API (PostgREST) when only SUPABASE_URL and the service-role key are configured. */
export class SupabaseProductDesignSync extends ProductDesignSync {
  readonly mode = 'supabase' as const;
  private readonly client: ReturnType<typeof createClient>;

  constructor(url: string, serviceRoleKey: string) {
    super();
    this.client = createClient(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as never },
      global: {
        fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(15_000) }),
      },
    });
  }

  async sync(job: Job): Promise<void> {
    if (!job.ideaId) return;
    const u = toProductDesignUpdate(job);
    let urls = u.urls?.value;
    if (u.urls?.merge) {
      const { data, error } = await this.client
        .from('product_design')
        .select(u.urls.column)
        .eq('id', job.ideaId)
        .maybeSingle();
      if (error) throw new Error(`product_design read failed: ${error.message}`);
      const existing = (data as Record<string, unknown> | null)?.[u.urls.column];
      urls = JSON.stringify(mergeUrls(existing, u.urls.list));
    }
    const row: Record<string, unknown> = {
      job_status: u.job_status,
      job_id: u.job_id,
      job_updated_at: u.job_updated_at,
      error_message: u.error_message,
      ...(job.status === 'pending' ? { job_created_at: u.job_created_at } : {}),
      ...(u.urls ? { [u.urls.column]: urls } : {}),
    };
    // No generated database types here: the row is checked by PostgREST, not by the compiler.
    const { error } = await this.client
      .from('product_design')
      .update(row as never)
      .eq('id', job.ideaId);
    if (error) throw new Error(`product_design update failed: ${error.message}`);
  }
}
