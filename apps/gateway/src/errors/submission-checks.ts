import { ProviderException, parsePayload } from '@app/contracts';
import { privateHostReason } from '@app/net';
import { GatewayException } from './gateway.exception.js';

/**
 * A job's input checked as its worker will check it (the payload contract), before anything is stored: the
 * contract's problems become 400 INVALID_REQUEST. `fields` renames the contract's field names to the request's.
 */
export function assertJobInput<T extends object>(
  contract: new () => T,
  input: Record<string, unknown>,
  fields: Record<string, string> = {},
): void {
  try {
    parsePayload(contract, input);
  } catch (error) {
    if (!(error instanceof ProviderException)) throw error;
    const problems = (error.details?.problems ?? []) as Array<{ field: string; problems: string[] }>;
    const first = problems[0];
    const field = first ? (fields[first.field] ?? first.field) : undefined;
    throw new GatewayException('INVALID_REQUEST', first ? `${field}: ${first.problems[0]}` : error.message, problems);
  }
}

/**
 * The SSRF guard at submission (workers check again when they fetch): every URL a client names, as
 * [field, url] pairs, must be on a public host; 400 FORBIDDEN_HOST naming the field. `what` names the URLs.
 */
export async function assertPublicUrls(
  urls: ReadonlyArray<readonly [string, string | undefined]>,
  what: string,
): Promise<void> {
  for (const [field, url] of urls) {
    if (!url) continue;
    const reason = await privateHostReason(new URL(url));
    if (reason) {
      throw new GatewayException(
        'FORBIDDEN_HOST',
        `${field}: ${reason}; ${what} must be on public hosts`,
        [{ field, problems: [reason] }],
        400,
      );
    }
  }
}
