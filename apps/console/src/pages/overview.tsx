import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Legend, StackedBars, Timeline } from '../charts.js';
import { linkProps } from '../router.js';
import { Empty, ErrorNote } from '../ui.js';

interface Stats {
  hours: number;
  since: string;
  jobs: Array<{ provider: string; status: string; count: number }>;
  hourly: Array<{ hour: string; provider: string; status: string; count: number }>;
  completion_seconds: Array<{ provider: string | null; completed: number; median: number | null; p95: number | null }>;
  failures: Array<{ provider: string; code: string; count: number }>;
}

const seconds = (n: number | null) => (n === null ? '—' : n < 120 ? `${n.toFixed(1)} s` : `${(n / 60).toFixed(1)} min`);

export function OverviewPage() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const load = () =>
      api<Stats>('GET', '/v1/stats?hours=24').then(
        (s) => {
          setStats(s);
          setError(null);
        },
        (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => clearInterval(timer);
  }, []);

  if (!stats) {
    return (
      <section>
        <h1>Overview</h1>
        <ErrorNote error={error} />
      </section>
    );
  }

  const byProvider = new Map<string, Record<string, number>>();
  for (const row of stats.jobs) {
    byProvider.set(row.provider, { ...byProvider.get(row.provider), [row.status]: row.count });
  }
  const total = stats.jobs.reduce((a, r) => a + r.count, 0);

  // Every hour of the window, empty ones included, so the time axis is even.
  const start = new Date(stats.since);
  start.setMinutes(0, 0, 0);
  const hours = Array.from({ length: stats.hours + 1 }, (_, i) =>
    new Date(start.getTime() + i * 3_600_000).toISOString(),
  );
  const series: Record<string, Record<string, number>> = {};
  for (const row of stats.hourly) {
    const slot = (series[row.hour] ??= {});
    slot[row.status] = (slot[row.status] ?? 0) + row.count;
  }
  const maxFailures = Math.max(1, ...stats.failures.map((f) => f.count));

  return (
    <section class="overview">
      <h1>Overview</h1>
      <p class="muted">Jobs created in the last {stats.hours} hours, from the jobs database.</p>
      <ErrorNote error={error} />
      {total === 0 ? (
        <Empty title="No jobs in the last 24 hours">
          <a {...linkProps('/create')}>Create a job</a> to see it counted here.
        </Empty>
      ) : (
        <div class="cards">
          <article class="card wide">
            <h2>Jobs per provider and status</h2>
            <StackedBars
              title="Jobs per provider and status"
              bars={[...byProvider].map(([label, parts]) => ({ label, parts }))}
            />
            <Legend />
          </article>
          <article class="card wide">
            <h2>Jobs per hour</h2>
            <Timeline title="Jobs per hour" hours={hours} series={series} />
          </article>
          <article class="card">
            <h2>Time to complete</h2>
            <table class="table compact">
              <thead>
                <tr>
                  <th>Provider</th>
                  <th>Completed</th>
                  <th>Median</th>
                  <th>p95</th>
                </tr>
              </thead>
              <tbody>
                {stats.completion_seconds.map((r) => (
                  <tr key={r.provider ?? 'all'}>
                    <td>{r.provider ?? 'all'}</td>
                    <td>{r.completed}</td>
                    <td>{seconds(r.median)}</td>
                    <td>{seconds(r.p95)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
          <article class="card">
            <h2>Failure codes</h2>
            {stats.failures.length === 0 ? (
              <p class="muted">No failed or timed-out jobs.</p>
            ) : (
              <ul class="bars">
                {stats.failures.map((f) => (
                  <li key={`${f.provider}-${f.code}`}>
                    <span class="bar-label">
                      {f.code} <span class="muted small">{f.provider}</span>
                    </span>
                    <span class="bar">
                      <span class="fill-failed" style={{ width: `${(f.count / maxFailures) * 100}%` }} />
                    </span>
                    <span class="bar-value">{f.count}</span>
                  </li>
                ))}
              </ul>
            )}
          </article>
        </div>
      )}
    </section>
  );
}
