import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './private-address.js';

/** The code of a connection refused because its host is (or resolves to) a private address. */
export const PRIVATE_ADDRESS_CODE = 'EPRIVATEADDRESS';

/** The code of a check given up because the host name did not resolve in time. */
export const LOOKUP_TIMEOUT_CODE = 'ELOOKUPTIMEOUT';

export interface HostCheckOptions {
  /** How long the name may take to resolve (default 2000 ms): a slow resolver must not hold a request. */
  timeoutMs?: number;
  /** The resolver (default: the system's, all addresses). */
  resolve?: (host: string) => Promise<Array<{ address: string }>>;
}

function withinTime<T>(work: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${host} did not resolve within ${ms} ms`), { code: LOOKUP_TIMEOUT_CODE })),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A URL host as the socket layer sees it: IPv6 literals without their brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Why a URL's host must not be reached, or undefined when it may: a literal private address (any spelling the
 * WHATWG parser normalises: `0x7f000001`, `[::ffff:127.0.0.1]`, `0.0.0.0`), a `localhost` name, or a name any of
 * whose addresses is private. A name that does not resolve is not refused here: the connection re-checks it. A
 * resolver slower than `timeoutMs` rejects with LOOKUP_TIMEOUT_CODE.
 */
export async function privateHostReason(url: URL, options: HostCheckOptions = {}): Promise<string | undefined> {
  const host = bareHost(url);
  if (isIP(host)) return isPrivateAddress(host) ? `${url.hostname} is a private address` : undefined;
  if (/(^|\.)localhost\.?$/i.test(host)) return `${url.hostname} is a loopback name`;
  const resolve = options.resolve ?? ((name: string) => lookup(name, { all: true }));
  const answers = await withinTime(
    resolve(host).catch(() => []),
    options.timeoutMs ?? 2000,
    url.hostname,
  );
  const found = answers.find((a) => isPrivateAddress(a.address));
  return found ? `${url.hostname} resolves to a private address (${found.address})` : undefined;
}

function refusal(hostname: string, address: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} resolves to a private address (${address})`), {
    code: PRIVATE_ADDRESS_CODE,
  });
}

/**
 * A `lookup` for `node:http`/`node:net` that refuses private answers, so the socket connects only to an address
 * that was checked (no DNS rebinding between a check and the connect). Literal IP hosts skip `lookup` in Node:
 * check those with `privateHostReason` first.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, answers: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const bad = answers.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(refusal(hostname, bad.address), '', 0);
    if (answers.length === 0) {
      return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '', 0);
    }
    if (options.all) return callback(null, answers);
    return callback(null, answers[0].address, answers[0].family);
  });
};
