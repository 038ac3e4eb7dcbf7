import type { ComponentChildren } from 'preact';
import type { Job } from './api.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function Progress({ value, status }: { value: number; status: string }) {
  const shown = status === 'completed' ? 100 : Math.max(0, Math.min(100, value));
  return (
    <span class="progress" role="progressbar" aria-valuenow={shown} aria-valuemin={0} aria-valuemax={100}>
      <span style={{ width: `${shown}%` }} />
    </span>
  );
}

export function Empty({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty">
      <h2>{title}</h2>
      <p>{children}</p>
    </div>
  );
}

export function ErrorNote({ error }: { error: string | null }) {
  return (
    <p class="error" role="alert">
      {error ?? ' '}
    </p>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** The words a person recognises a job by: its prompt, message or source image. */
export function jobSummary(job: Job): string {
  const input = job.input;
  for (const key of ['prompt', 'textPrompt', 'text_prompt', 'imageUrl', 'image_url', 'jobId']) {
    const value = input[key];
    if (typeof value === 'string' && value) return value;
  }
  return job.operation;
}

export function thumbnail(job: Job): string | undefined {
  return job.result?.images?.[0]?.url;
}
