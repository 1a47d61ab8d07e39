import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * Refusal of private destinations (SSRF). A webhook URL may not point at loopback,
 * private (RFC 1918, unique-local), link-local (cloud metadata lives there), CGNAT,
 * multicast or unspecified addresses, unless WEBHOOKS_ALLOW_PRIVATE_URLS is set. The check
 * runs when a subscription is saved and again at every delivery, on the address the
 * connection actually uses (the lookup below is the one the HTTP client calls), so a DNS
 * answer that changes after the check cannot redirect a delivery inside.
 */
export function isPrivateAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  if (v === 6) {
    const x = address.toLowerCase();
    if (x === '::' || x === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
    if (mapped?.[1]) return isPrivateAddress(mapped[1]);
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(x);
  }
  return true;
}

export type Lookup = (
  hostname: string,
  options: object,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** A `lookup` for node:http that refuses private answers unless allowed. */
export function guardedLookup(allowPrivate: boolean): Lookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isPrivateAddress(a.address));
      if (!allowPrivate && bad) {
        const e = new Error(`refused: ${hostname} resolves to a private address`) as NodeJS.ErrnoException;
        e.code = 'EPRIVATE';
        return callback(e, []);
      }
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Whether `url` may be used as a webhook destination now (resolves its host). */
export async function checkDestination(url: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return 'is not a URL';
  }
  if (isIP(host)) return isPrivateAddress(host) ? 'points at a private, loopback or link-local address' : null;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'points at a private, loopback or link-local address';
  const addresses = await new Promise<LookupAddress[]>((resolve) =>
    dnsLookup(host, { all: true }, (err, list) => resolve(err ? [] : list)),
  );
  if (!addresses.length) return 'has a host name that does not resolve';
  if (addresses.some((a) => isPrivateAddress(a.address))) return 'points at a private, loopback or link-local address';
  return null;
}
