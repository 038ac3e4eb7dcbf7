import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, query, type Job } from '../api.js';
import { useJobStream } from '../live.js';
import { linkProps, navigate } from '../router.js';
import { PROVIDER_CATALOG } from '../../../../provider-catalog.mjs';
import { Empty, ErrorNote, Progress, StatusBadge, ago, jobSummary, thumbnail } from '../ui.js';

const PROVIDERS = PROVIDER_CATALOG.map((p) => p.name);
const STATUSES = ['pending', 'processing', 'completed', 'failed', 'timeout', 'canceled'];
const PAGE = 20;

interface Filters {
  provider: string;
  status: string;
  account: string;
  q: string;
}

function readFilters(): Filters {
  const s = new URLSearchParams(location.search);
  return {
    provider: s.get('provider') ?? '',
    status: s.get('status') ?? '',
    account: s.get('account') ?? '',
    q: s.get('q') ?? '',
  };
}

const matches = (job: Job, f: Filters) =>
  (!f.provider || job.provider === f.provider) &&
  (!f.status || job.status === f.status) &&
  (!f.account || (job.result as { account?: string } | null)?.account === f.account) &&
  (!f.q || `${job.id} ${JSON.stringify(job.input)}`.toLowerCase().includes(f.q.toLowerCase()));

export function JobsPage() {
  const [filters, setFilters] = useState<Filters>(readFilters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [cursors, setCursors] = useState<string[]>([]); // cursors of the pages before this one
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<{ data: Job[]; next_cursor: string | null } | null>(null);
  const [fresh, setFresh] = useState(0); // jobs created since the page was loaded (shown as a banner, not inserted)
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const shown = useRef(page);
  shown.current = page;

  const load = useCallback(async () => {
    try {
      const result = await api<{ data: Job[]; next_cursor: string | null }>(
        'GET',
        `/v1/jobs${query({ ...filters, limit: PAGE, cursor })}`,
      );
      setPage(result);
      setFresh(0);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [filters, cursor]);

  useEffect(() => {
    void load();
  }, [load]);

  useJobStream(
    `/v1/events${query({ provider: filters.provider })}`,
    (job) => {
      if (shown.current?.data.some((j) => j.id === job.id)) {
        // In place: rows keep their size, nothing moves.
        setPage((p) => (p ? { ...p, data: p.data.map((j) => (j.id === job.id ? job : j)) } : p));
      } else if (shown.current && !cursor && matches(job, filters) && job.status === 'pending') {
        setFresh((n) => n + 1);
      }
    },
    () => {
      // Reload what changed while the stream was not yet (or no longer) live; from then on the stream has it all.
      void load().then(() => setLive(true));
    },
    () => setLive(false),
  );

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([]);
    setCursor(undefined);
    history.replaceState(null, '', `${location.pathname}${query({ ...draft })}`);
  };

  return (
    <section data-live={live}>
      <div class="page-head">
        <h1>
          Jobs{' '}
          <span class={`live ${live ? 'on' : ''}`} title={live ? 'Updating live' : 'Reconnecting…'}>
            ● {live ? 'live' : 'offline'}
          </span>
        </h1>
        <a class="button" {...linkProps('/create')}>
          New job
        </a>
      </div>
      <form class="filters" onSubmit={apply}>
        <select
          aria-label="Provider"
          value={draft.provider}
          onChange={(e) => setDraft({ ...draft, provider: e.currentTarget.value })}
        >
          <option value="">All providers</option>
          {PROVIDERS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select
          aria-label="Status"
          value={draft.status}
          onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
        >
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input
          aria-label="Account"
          placeholder="Account"
          value={draft.account}
          maxLength={200}
          onInput={(e) => setDraft({ ...draft, account: e.currentTarget.value })}
        />
        <input
          aria-label="Search"
          type="search"
          placeholder="Prompt, URL or id"
          value={draft.q}
          maxLength={200}
          onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
        />
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={error} />
      <div class="banner-slot">
        {fresh > 0 && (
          <button type="button" class="banner" onClick={() => void load()}>
            {fresh} new job{fresh === 1 ? '' : 's'} · show
          </button>
        )}
      </div>
      {page && page.data.length === 0 ? (
        <Empty title="No jobs here">
          {filters.provider || filters.status || filters.account || filters.q ? (
            'Nothing matches these filters: clear them to see every job.'
          ) : (
            <>
              Nothing has run yet. <a {...linkProps('/create')}>Create a job</a> (for example a Midjourney imagine) and
              it shows up here as it runs.
            </>
          )}
        </Empty>
      ) : (
        <ul class="job-list" aria-busy={!page}>
          {(page?.data ?? []).map((job) => (
            <li key={job.id} class="job-row" data-job-id={job.id} onClick={() => navigate(`/jobs/${job.id}`)}>
              <span class="thumb">{thumbnail(job) ? <img src={thumbnail(job)} alt="" loading="lazy" /> : null}</span>
              <span class="what">
                <a {...linkProps(`/jobs/${job.id}`)} class="summary" onClick={(e) => e.stopPropagation()}>
                  {jobSummary(job)}
                </a>
                <span class="muted small">
                  {job.provider} · {job.operation} · {ago(job.created_at)}
                </span>
              </span>
              <span class="state">
                <StatusBadge status={job.status} />
                <Progress value={job.progress} status={job.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <div class="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => {
            const previous = cursors.slice(0, -1);
            setCursor(cursors.at(-1) || undefined);
            setCursors(previous);
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
