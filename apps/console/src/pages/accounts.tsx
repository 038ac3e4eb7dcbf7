import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Empty, ErrorNote, when } from '../ui.js';

interface AccountView {
  provider: string;
  reachable: boolean;
  worker: string | null;
  uptime_seconds: number | null;
  account: {
    account: string;
    state: string;
    signedIn: boolean;
    browser: { connected: boolean; launchedAt: string | null; relaunches: number; pages: number };
    running: number;
    queued: number;
    cooldownUntil: string | null;
    lastError: { code: string; message: string; at: string } | null;
  } | null;
  error: { code: string; message: string } | null;
}

const REFRESH_MS = 5000;

export function AccountsPage() {
  const [accounts, setAccounts] = useState<AccountView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setAccounts((await api<{ data: AccountView[] }>('GET', '/v1/accounts')).data);
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

  const check = async (provider: string) => {
    setChecking(provider);
    try {
      const updated = await api<AccountView>('POST', `/v1/accounts/${provider}/check`);
      setAccounts((list) => list?.map((a) => (a.provider === provider ? updated : a)) ?? null);
    } catch (e) {
      setError(e instanceof ApiError ? `${provider}: ${e.message}` : String(e));
    } finally {
      setChecking(null);
    }
  };

  return (
    <section>
      <h1>Accounts</h1>
      <p class="muted">Each provider's account as its worker reports it, refreshed every {REFRESH_MS / 1000} s.</p>
      <ErrorNote error={error} />
      {accounts && accounts.length === 0 && (
        <Empty title="No providers for this key">This key has no provider scope: sign in with one that has.</Empty>
      )}
      <div class="cards">
        {(accounts ?? []).map((a) => (
          <article key={a.provider} class="card account" data-provider={a.provider}>
            <header>
              <h2>{a.provider}</h2>
              <span class={`badge state-${a.account?.state ?? 'unreachable'}`} data-testid="account-state">
                {a.account?.state ?? 'unreachable'}
              </span>
            </header>
            {a.account ? (
              <dl class="facts">
                <dt>Account</dt>
                <dd>{a.account.account}</dd>
                <dt>Signed in</dt>
                <dd>{a.account.signedIn ? 'yes' : 'no'}</dd>
                <dt>Running / queued</dt>
                <dd>
                  {a.account.running} / {a.account.queued}
                </dd>
                <dt>Cooldown until</dt>
                <dd>{when(a.account.cooldownUntil)}</dd>
                <dt>Browser</dt>
                <dd>
                  {a.account.browser.connected ? 'connected' : 'down'} · {a.account.browser.pages} pages ·{' '}
                  {a.account.browser.relaunches} relaunches
                </dd>
                <dt>Last error</dt>
                <dd>{a.account.lastError ? `${a.account.lastError.code}: ${a.account.lastError.message}` : '—'}</dd>
                <dt>Worker</dt>
                <dd>
                  {a.worker} · up {Math.round((a.uptime_seconds ?? 0) / 60)} min
                </dd>
              </dl>
            ) : (
              <p class="muted">
                {a.error?.message ?? 'No answer'}. Start the {a.provider} worker (<code>npm start</code> runs it).
              </p>
            )}
            <button type="button" disabled={checking !== null || !a.reachable} onClick={() => void check(a.provider)}>
              {checking === a.provider ? 'Checking…' : 'Re-check sign-in'}
            </button>
          </article>
        ))}
      </div>
    </section>
  );
}
