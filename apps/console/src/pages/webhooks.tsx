import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.js';
import { linkProps } from '../router.js';
import { Empty, ErrorNote, when } from '../ui.js';

interface Delivery {
  id: string;
  job_id: string;
  provider: string | null;
  event: string;
  url: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string;
  updated_at: string;
}

export function WebhooksPage() {
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<{ data: Delivery[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setPage(await api('GET', `/v1/webhooks/deliveries${query({ status, cursor, limit: 20 })}`));
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [status, cursor]);
  useEffect(() => void load(), [load]);

  const retry = async (delivery: Delivery) => {
    try {
      const updated = await api<Delivery>('POST', `/v1/webhooks/deliveries/${delivery.id}/retry`);
      setPage((p) => (p ? { ...p, data: p.data.map((d) => (d.id === updated.id ? updated : d)) } : p));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <section>
      <div class="page-head">
        <h1>Webhook deliveries</h1>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <div class="filters">
        <select
          aria-label="Status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setCursor(undefined);
            setCursors([]);
          }}
        >
          <option value="">Any status</option>
          <option>pending</option>
          <option>delivered</option>
          <option>failed</option>
        </select>
      </div>
      <ErrorNote error={error} />
      {page && page.data.length === 0 ? (
        <Empty title="No webhook deliveries">
          Deliveries appear when a job created with a <code>webhook_url</code> ends (the Create page has the field under
          “Delivery and deadline”).
        </Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Event</th>
              <th>URL</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(page?.data ?? []).map((d) => (
              <tr key={d.id}>
                <td data-label="Job">
                  <a {...linkProps(`/jobs/${d.job_id}`)}>{d.job_id.slice(0, 8)}</a>
                </td>
                <td data-label="Event">{d.event}</td>
                <td data-label="URL" class="ellipsis">
                  {d.url}
                </td>
                <td data-label="Status">
                  <span class={`badge delivery-${d.status}`}>{d.status}</span>
                </td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Last answer">{d.last_status ?? d.last_error ?? '—'}</td>
                <td data-label="Updated">{when(d.updated_at)}</td>
                <td>
                  <button type="button" class="small" onClick={() => void retry(d)}>
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button
          type="button"
          disabled={!cursors.length}
          onClick={() => {
            setCursor(cursors.at(-1) || undefined);
            setCursors(cursors.slice(0, -1));
          }}
        >
          ← Newer
        </button>
        <button
          type="button"
          disabled={!page?.next_cursor}
          onClick={() => {
            setCursors([...cursors, cursor ?? '']);
            setCursor(page?.next_cursor ?? undefined);
          }}
        >
          Older →
        </button>
      </div>
    </section>
  );
}
