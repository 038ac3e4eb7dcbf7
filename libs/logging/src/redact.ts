/** Query parameters whose values never reach a log: credentials, tokens and `/files/` URL signatures. */
const SECRET_PARAM =
  /^(sig|signature|token|access_token|refresh_token|id_token|password|secret|client_secret|api_key|apikey|key|code)$/i;

/** A request path as it may be logged: the values of secret query parameters replaced. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as it came
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

/**
 * pino `redact` paths, a second net under the serializers (which log no headers at all): credentials in headers and
 * secret-named fields one and two levels down in any logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["mj-api-secret"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  ...['token', 'password', 'secret', 'signature', 'apiKey', 'api_key', 'cookie', 'cookies', 'authorization'].flatMap(
    (name) => [name, `*.${name}`, `*.*.${name}`],
  ),
];
