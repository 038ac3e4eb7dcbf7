import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api.js';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Session>('POST', '/v1/session', { api_key: key.trim() }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The gateway did not answer');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form onSubmit={(e) => void submit(e)} class="card">
        <h1>Gateway console</h1>
        <p class="muted">
          Sign in with an API key. Admin keys see everything; a provider key sees its providers. The key stays in this
          page only for the sign-in; the session lasts a short while.
        </p>
        <label>
          API key
          <input
            name="api_key"
            type="password"
            autocomplete="current-password"
            required
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="gw_…"
          />
        </label>
        <p class="error" role="alert">
          {error ?? ' '}
        </p>
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          No key yet? <code>npm start</code> prints one (also in <code>data/bootstrap-api-key</code>); an admin creates
          more on the Keys page.
        </p>
      </form>
    </main>
  );
}
