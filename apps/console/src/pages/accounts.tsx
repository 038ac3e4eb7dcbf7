import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api.js';
import { Empty, ErrorNote, when } from '../ui.js';

/** An entry of the account pool's registry (GET /v1/accounts), as every worker writes it every few seconds. */
interface AccountEntry {
  provider: string;
  account: string;
  worker: string;
  state: string;
  signedIn: boolean;
  running: number;
  queued: number;
  capacity: number;
  cooldownUntil: string | null;
  lastError: { code: string; message: string; at: string } | null;
  disabled: boolean;
  /** Pool facts (weight, daily limit, working hours, why idle); absent from older workers. */
  pool?: {
    weight: number;
    dailyJobLimit: number;
    submittedToday: number;
    workingHours: string | null;
    offDuty: 'daily_limit' | 'working_hours' | null;
  };
  plan: Record<string, unknown> | null;
  browser: { connected: boolean; launchedAt: string | null; relaunches: number; pages: number };
  updatedAt: string;
}

const REFRESH_MS = 3000;
const keyOf = (a: Pick<AccountEntry, 'provider' | 'account'>) => `${a.provider}/${a.account}`;

export function AccountsPage({ session }: { session: Session }) {
  const admin = session.key.scopes.includes('*') || session.key.scopes.includes('admin');
  const [accounts, setAccounts] = useState<AccountEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setAccounts((await api<{ data: AccountEntry[] }>('GET', '/v1/accounts')).data);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (entry: AccountEntry, action: 'check' | 'disable' | 'enable') => {
    setBusy(`${keyOf(entry)}:${action}`);
    try {
      await api('POST', `/v1/accounts/${entry.provider}/${encodeURIComponent(entry.account)}/${action}`);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? `${keyOf(entry)}: ${e.message}` : String(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section>
      <h1>Accounts</h1>
      <p class="muted">
        Every provider account a running worker holds, from the pool's registry (refreshed every {REFRESH_MS / 1000} s).
      </p>
      <ErrorNote error={error} />
      {accounts && accounts.length === 0 && (
        <Empty title="No accounts registered">
          No worker is running for the providers this key may use. Start them (<code>npm start</code> runs every
          provider, in sandbox mode against the simulator); an account appears here within a few seconds.
        </Empty>
      )}
      <div class="cards">
        {(accounts ?? []).map((a) => (
          <article key={keyOf(a)} class="card account" data-provider={a.provider} data-account={a.account}>
            <header>
              <h2>
                {a.provider} <span class="muted small">{a.account}</span>
              </h2>
              <span class={`badge state-${a.disabled ? 'disabled' : a.state}`} data-testid="account-state">
                {a.disabled ? 'disabled' : a.state}
              </span>
            </header>
            <dl class="facts">
              <dt>Signed in</dt>
              <dd>{a.signedIn ? 'yes' : 'no'}</dd>
              <dt>Load</dt>
              <dd>
                {a.running} running · {a.queued} queued · {a.capacity} at most
              </dd>
              {a.pool && (
                <>
                  <dt>Pool</dt>
                  <dd data-testid="account-pool">
                    weight {a.pool.weight} · {a.pool.submittedToday}
                    {a.pool.dailyJobLimit ? ` of ${a.pool.dailyJobLimit}` : ''} today
                    {a.pool.workingHours ? ` · works ${a.pool.workingHours} UTC` : ''}
                    {a.pool.offDuty ? ` · idle: ${a.pool.offDuty.replace('_', ' ')}` : ''}
                  </dd>
                </>
              )}
              <dt>Cooldown until</dt>
              <dd>{when(a.cooldownUntil)}</dd>
              <dt>Last error</dt>
              <dd>{a.lastError ? `${a.lastError.code}: ${a.lastError.message}` : '—'}</dd>
              <dt>Plan</dt>
              <dd>
                {a.plan && Object.keys(a.plan).length
                  ? Object.entries(a.plan)
                      .map(([k, v]) => `${k}: ${String(v)}`)
                      .join(' · ')
                  : '—'}
              </dd>
              <dt>Browser</dt>
              <dd>
                {a.browser.connected ? 'connected' : 'down'} · {a.browser.pages} pages · {a.browser.relaunches}{' '}
                relaunches
              </dd>
              <dt>Worker</dt>
              <dd>{a.worker}</dd>
              <dt>Reported</dt>
              <dd>{when(a.updatedAt)}</dd>
            </dl>
            <div class="buttons">
              <button type="button" disabled={busy !== null} onClick={() => void act(a, 'check')}>
                {busy === `${keyOf(a)}:check` ? 'Checking…' : 'Re-check'}
              </button>
              {admin && (
                <button
                  type="button"
                  class={a.disabled ? '' : 'danger'}
                  data-testid="toggle"
                  disabled={busy !== null}
                  onClick={() => void act(a, a.disabled ? 'enable' : 'disable')}
                >
                  {a.disabled ? 'Enable' : 'Disable'}
                </button>
              )}
            </div>
          </article>
        ))}
      </div>
    </section>
  );
}
