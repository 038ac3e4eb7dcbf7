import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Empty, ErrorNote, when } from '../ui.js';
import { PROVIDER_CATALOG } from '../../../../provider-catalog.mjs';

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  limits?: Record<string, number | null> | null;
}

const SCOPES = ['*', 'admin', ...PROVIDER_CATALOG.map((p) => p.name)];
const LIMITS = [
  ['requests_per_minute', 'Requests / minute'],
  ['jobs_per_day', 'Jobs / day'],
  ['concurrent_jobs', 'Concurrent jobs'],
  ['concurrent_streams', 'Concurrent streams'],
] as const;

/** The limits set on a key; the rest take the gateway's defaults. */
function limitsText(limits: KeyRow['limits']): string {
  const set = LIMITS.filter(([k]) => typeof limits?.[k] === 'number').map(([k, label]) => `${label}: ${limits![k]}`);
  return set.length ? set.join(' · ') : 'defaults';
}

export function KeysPage() {
  const [keys, setKeys] = useState<KeyRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [limits, setLimits] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    try {
      setKeys((await api<{ data: KeyRow[] }>('GET', '/v1/admin/keys')).data);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const limitProblems = LIMITS.filter(
    ([k]) => limits[k] && !(Number.isInteger(Number(limits[k])) && Number(limits[k]) >= 1),
  );
  const valid = name.trim() && name.length <= 100 && scopes.length > 0 && !limitProblems.length;

  const create = async (event: Event) => {
    event.preventDefault();
    if (!valid) return;
    setError(null);
    const filled = Object.fromEntries(LIMITS.filter(([k]) => limits[k]).map(([k]) => [k, Number(limits[k])]));
    try {
      const answer = await api<KeyRow & { key: string }>('POST', '/v1/admin/keys', {
        name: name.trim(),
        scopes,
        ...(expires ? { expires_at: new Date(expires).toISOString() } : {}),
        // Sent only when filled: the key API takes limits as one optional object.
        ...(Object.keys(filled).length ? { limits: filled } : {}),
      });
      setCreated({ name: answer.name, key: answer.key });
      setCopied(false);
      setName('');
      setScopes([]);
      setExpires('');
      setLimits({});
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };

  const revoke = async (key: KeyRow) => {
    if (!confirm(`Revoke “${key.name}”? Clients using it stop working at once.`)) return;
    try {
      await api('DELETE', `/v1/admin/keys/${key.id}`);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const copy = async () => {
    if (!created) return;
    await navigator.clipboard.writeText(created.key).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <section>
      <h1>API keys</h1>
      {created && (
        <div class="card new-key" role="status">
          <p>
            Key <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <div class="copy">
            <input readOnly value={created.key} data-testid="new-key" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" class="link" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form class="card create" onSubmit={(e) => void create(e)}>
        <h2>New key</h2>
        <div class="fields">
          <div class="field">
            <label for="key-name">Name *</label>
            <input
              id="key-name"
              name="name"
              maxLength={100}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
              placeholder="n8n, ci…"
            />
          </div>
          <div class="field">
            <label for="key-expires">Expires</label>
            <input
              id="key-expires"
              name="expires"
              type="datetime-local"
              value={expires}
              onInput={(e) => setExpires(e.currentTarget.value)}
            />
          </div>
        </div>
        <fieldset class="scopes">
          <legend>Scopes *</legend>
          {SCOPES.map((scope) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                name="scope"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes(e.currentTarget.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
                }
              />
              {scope === '*' ? '* (everything)' : scope}
            </label>
          ))}
        </fieldset>
        <details>
          <summary>Limits (optional)</summary>
          <div class="fields">
            {LIMITS.map(([k, label]) => (
              <div class="field" key={k}>
                <label for={`limit-${k}`}>{label}</label>
                <input
                  id={`limit-${k}`}
                  type="number"
                  min={1}
                  step={1}
                  value={limits[k] ?? ''}
                  onInput={(e) => setLimits({ ...limits, [k]: e.currentTarget.value })}
                />
              </div>
            ))}
          </div>
        </details>
        <ErrorNote error={limitProblems.length ? 'Limits are whole numbers of at least 1' : error} />
        <button type="submit" disabled={!valid}>
          Create key
        </button>
      </form>
      {keys && keys.length === 0 ? (
        <Empty title="No keys">Create one above.</Empty>
      ) : (
        <table class="table keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Scopes</th>
              <th>Expires</th>
              <th>Limits</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys ?? []).map((key) => (
              <tr key={key.id} data-key-name={key.name}>
                <td data-label="Name">{key.name}</td>
                <td data-label="Prefix">
                  <code>{key.prefix}…</code>
                </td>
                <td data-label="Scopes">{key.scopes.join(', ')}</td>
                <td data-label="Expires">{when(key.expires_at)}</td>
                <td data-label="Limits" data-testid="key-limits">
                  {limitsText(key.limits)}
                </td>
                <td data-label="State" data-testid="key-state">
                  {key.revoked_at
                    ? 'revoked'
                    : key.expires_at && Date.parse(key.expires_at) < Date.now()
                      ? 'expired'
                      : 'active'}
                </td>
                <td>
                  {!key.revoked_at && (
                    <button type="button" class="danger small" onClick={() => void revoke(key)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
