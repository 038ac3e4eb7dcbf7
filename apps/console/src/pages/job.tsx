import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, TERMINAL, type Job, type StoredFile } from '../api.js';
import { useJobStream } from '../live.js';
import { actionLabel, parseAction } from '../operations.js';
import { linkProps, navigate } from '../router.js';
import { ErrorNote, Progress, StatusBadge, jobSummary, when } from '../ui.js';

interface Step {
  status: string;
  at: string;
  progress?: number;
}

/** What the row's timestamps tell, then what this page saw live (the table keeps no history of its own). */
function historyOf(job: Job): Step[] {
  const steps: Step[] = [{ status: 'pending', at: job.created_at }];
  if (job.started_at) steps.push({ status: 'processing', at: job.started_at });
  if (job.completed_at) steps.push({ status: job.status, at: job.completed_at });
  return steps;
}

function merge(history: Step[], job: Job): Step[] {
  const last = history.at(-1);
  if (last?.status === job.status) {
    // The same status again: only processing's progress is worth noting (in place, one line per status).
    if (job.status !== 'processing' || last.progress === job.progress) return history;
    return [...history.slice(0, -1), { ...last, progress: job.progress }];
  }
  if (history.some((s) => s.status === job.status)) return history;
  return [...history, { status: job.status, at: job.updated_at, progress: job.progress }];
}

const actionsOf = (job: Job): string[] =>
  Array.isArray(job.result?.actions)
    ? (job.result.actions as unknown[]).filter((a): a is string => typeof a === 'string')
    : [];

/** Follow-ups by the image they act on (0: the whole grid, e.g. reroll). */
function groupByCell(actions: string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const action of actions) {
    const cell = parseAction(action).index ?? 0;
    groups.set(cell, [...(groups.get(cell) ?? []), action]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

export function JobPage({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [history, setHistory] = useState<Step[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    setJob(null);
    setHistory([]);
    api<Job>('GET', `/v1/jobs/${id}`).then(
      (j) => {
        setJob(j);
        setHistory(historyOf(j));
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [id]);

  useJobStream(job && !TERMINAL.has(job.status) ? `/v1/jobs/${id}/events` : null, (update) => {
    setJob(update);
    setHistory((h) => merge(h.length ? h : historyOf(update), update));
  });

  const cancel = async () => {
    setBusy('cancel');
    try {
      setJob(await api<Job>('POST', `/v1/jobs/${id}/cancel`));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  const followUp = async (action: string) => {
    setBusy(action);
    setError(null);
    try {
      const created = await api<Job>('POST', '/v1/midjourney/actions', { job_id: id, ...parseAction(action) });
      navigate(`/jobs/${created.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(null);
    }
  };

  if (!job) {
    return (
      <section>
        <p>
          <a {...linkProps('/jobs')}>← Jobs</a>
        </p>
        <ErrorNote error={error} />
        {!error && <div class="skeleton" aria-busy="true" />}
      </section>
    );
  }

  const images = job.result?.images ?? [];
  const videos = job.result?.videos ?? [];
  const grid = job.provider === 'midjourney' && images.length === 4;
  const actions = actionsOf(job);
  const descriptions = Array.isArray(job.result?.descriptions)
    ? (job.result.descriptions as unknown[]).filter((d): d is string => typeof d === 'string')
    : [];

  return (
    <section class="job">
      <p>
        <a {...linkProps('/jobs')}>← Jobs</a>
      </p>
      <div class="page-head">
        <h1 class="ellipsis">{jobSummary(job)}</h1>
        {!TERMINAL.has(job.status) && (
          <button type="button" class="danger" disabled={busy === 'cancel'} onClick={() => void cancel()}>
            Cancel
          </button>
        )}
      </div>
      <div class="job-state">
        <StatusBadge status={job.status} />
        <Progress value={job.progress} status={job.status} />
        <span class="muted small" data-testid="progress">
          {job.status === 'completed' ? 100 : job.progress}%
        </span>
      </div>
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Provider</dt>
        <dd>
          {job.provider} · {job.operation}
        </dd>
        <dt>Created</dt>
        <dd>{when(job.created_at)}</dd>
        <dt>Deadline</dt>
        <dd>{when(job.deadline_at)}</dd>
      </dl>
      {job.error && (
        <div class="error-box" role="alert">
          <strong>{job.error.code}</strong> {job.error.message}
        </div>
      )}
      <ErrorNote error={error} />
      <div class="media" data-testid="media">
        {images.length > 0 && (
          <div class={grid ? 'grid2' : 'gallery'}>
            {images.map((file) => (
              <Figure key={file.index} file={file} />
            ))}
          </div>
        )}
        {videos.length > 0 && (
          <div class="gallery">
            {videos.map((file) => (
              <figure key={file.index}>
                <video src={file.url} controls preload="metadata" />
                <figcaption>
                  <a href={file.url} download>
                    Download video {file.index + 1}
                  </a>
                </figcaption>
              </figure>
            ))}
          </div>
        )}
        {!images.length && !videos.length && !TERMINAL.has(job.status) && (
          <div
            class={
              job.provider === 'midjourney' && job.operation === 'imagine' ? 'grid2 placeholder' : 'gallery placeholder'
            }
          >
            {Array.from({ length: job.provider === 'midjourney' && job.operation === 'imagine' ? 4 : 1 }, (_, i) => (
              <div key={i} class="cell" />
            ))}
          </div>
        )}
      </div>
      {descriptions.length > 0 && (
        <>
          <h2>Descriptions</h2>
          <ol class="descriptions">
            {descriptions.map((d, i) => (
              <li key={i}>{d}</li>
            ))}
          </ol>
        </>
      )}
      {actions.length > 0 && (
        <div class="actions" data-testid="actions">
          <h2>Follow-ups</h2>
          {[...groupByCell(actions)].map(([cell, group]) => (
            <div class="action-group" key={cell}>
              <span class="muted small">{cell ? `Image ${cell}` : 'Grid'}</span>
              {group.map((action) => (
                <button
                  key={action}
                  type="button"
                  class="small"
                  data-action={action}
                  disabled={busy !== null}
                  onClick={() => void followUp(action)}
                >
                  {actionLabel(action)}
                </button>
              ))}
            </div>
          ))}
        </div>
      )}
      <h2>Status history</h2>
      <ol class="history">
        {history.map((step, i) => (
          <li key={i}>
            <StatusBadge status={step.status} /> <span class="muted">{when(step.at)}</span>
            {step.progress !== undefined && step.status === 'processing' ? (
              <span class="muted"> · {step.progress}%</span>
            ) : null}
          </li>
        ))}
      </ol>
      <h2>Input</h2>
      <pre class="json">{JSON.stringify(job.input, null, 2)}</pre>
      <details>
        <summary>Raw JSON</summary>
        <pre class="json">{JSON.stringify(job, null, 2)}</pre>
      </details>
    </section>
  );
}

function Figure({ file }: { file: StoredFile }) {
  return (
    <figure>
      <a href={file.url} target="_blank" rel="noopener">
        <img src={file.url} alt={`Image ${file.index + 1}`} width={file.width} height={file.height} />
      </a>
      <figcaption>
        <a href={file.url} download>
          Download {file.index + 1}
        </a>
      </figcaption>
    </figure>
  );
}
