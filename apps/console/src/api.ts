// The console speaks only the public /v1 API and the session endpoints: every console action is an API action.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface KeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
}

export interface Session {
  key: KeyInfo;
  expires_at: string | null;
  csrf_token: string | null;
}

export interface StoredFile {
  index: number;
  url: string;
  contentType: string;
  width?: number;
  height?: number;
}

export interface Job {
  id: string;
  provider: string;
  operation: string;
  status: string;
  progress: number;
  input: Record<string, unknown>;
  result: ({ images?: StoredFile[]; videos?: StoredFile[]; actions?: unknown; [k: string]: unknown } & object) | null;
  error: { code: string; message: string; details?: unknown } | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  deadline_at: string;
}

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended (expired, key revoked). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as
    (T & { error?: { code: string; message: string; details?: unknown } }) | null;
  if (!res.ok) {
    const error = json?.error;
    if (res.status === 401 && path !== '/v1/session') for (const listener of signedOutListeners) listener();
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP_${res.status}`,
      error?.message ?? res.statusText,
      error?.details,
    );
  }
  return json as T;
}

export const query = (params: Record<string, string | number | undefined | null>) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
};

export const TERMINAL = new Set(['completed', 'failed', 'timeout', 'canceled']);
