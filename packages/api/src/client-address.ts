import type { IncomingMessage } from "node:http";
import proxyAddr from "proxy-addr";

/**
 * The header the web process sets on every request it hands to Next (replacing whatever the
 * client sent), so that code in Next's bundle (next-auth's sign-in) knows the client's address.
 */
export const CLIENT_ADDRESS_HEADER = "x-parley-client-address";

/** Which hops of X-Forwarded-For to believe: a proxy this deployment runs. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** TRUST_PROXY's entries (addresses, CIDR ranges, "loopback", …) as a check; throws on bad ones. */
export const compileTrustProxy = (entries: string[]): TrustProxy => proxyAddr.compile(entries);

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the address
 * the proxies say they were reached from (X-Forwarded-For, read right to left, up to the first
 * hop nobody trusts). Rate limits are counted per this address.
 */
export function clientAddressOf(req: Pick<IncomingMessage, "headers" | "socket">, trust: TrustProxy): string {
  return proxyAddr(req as IncomingMessage, trust);
}
