import type { Job } from '@app/contracts';

/** Keeps the client's `product_design` row in step with a job that carries an idea id (PROVIDERS.md §1.1). */
export abstract class ProductDesignSync {
  abstract readonly mode: 'sql' | 'supabase' | 'off';
  abstract sync(job: Job): Promise<void>;
}

export interface ProductDesignUpdate {
  job_status: string;
  job_id: string;
  job_created_at: string;
  job_updated_at: string;
  error_message: string | null;
  /** Column → JSON-encoded string of the URL array (the original's representation inside jsonb). */
  urls?: { column: 'generated_designs_url' | 'remixed_designs_url'; value: string; list: string[]; merge: boolean };
}

/** The URLs already in the row first, then the job's new ones, each once (Ideogram's merge, PROVIDERS.md §1.1). */
export function mergeUrls(existing: unknown, added: string[]): string[] {
  return [...new Set([...readUrlColumn(existing), ...added])];
}

/** The row's CHECK constraint knows no 'canceled': it shows as failed with a reason. */
export function toProductDesignUpdate(job: Job): ProductDesignUpdate {
  const status = job.status === 'canceled' ? 'failed' : job.status;
  const urls = (job.result?.images ?? []).map((i) => i.url).concat((job.result?.videos ?? []).map((v) => v.url));
  // Ideogram results merge into remixed_designs_url (earlier remixes of the idea stay); Midjourney's replace.
  const ideogram = job.provider === 'ideogram';
  const column = ideogram ? 'remixed_designs_url' : 'generated_designs_url';
  return {
    job_status: status,
    job_id: job.id,
    job_created_at: job.createdAt,
    job_updated_at: new Date().toISOString(),
    error_message: job.error ? (job.status === 'canceled' ? 'Canceled' : job.error.message) : null,
    ...(urls.length ? { urls: { column, value: JSON.stringify(urls), list: urls, merge: ideogram } } : {}),
  };
}

/** Reads a URL column written either as a JSON array or as the original's JSON-encoded string of one. */
export function readUrlColumn(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed.map(String) : [value];
    } catch {
      return [value];
    }
  }
  return [];
}

export class NoProductDesignSync extends ProductDesignSync {
  readonly mode = 'off' as const;
  async sync(): Promise<void> {}
}
