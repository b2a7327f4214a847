// Resolves a credential (admin key, user token, device key) to a principal. Transport-free: HTTP takes the
// credential from headers, MQTT from the CONNECT packet, and both ask this. Resolvers are tried in order: the
// admin key, then whatever the security services register (user tokens, device keys).
import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../domain/identity.js';
import { sha256 } from './crypto.js';

export type CredentialResolver = (credential: string) => Promise<Principal | null>;

/** Constant-time comparison of two secrets of any length. */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export class Authenticator {
  private readonly resolvers: CredentialResolver[] = [];

  constructor(adminKey: string) {
    const adminDigest = sha256(adminKey);
    this.resolvers.push(async (credential) =>
      timingSafeEqual(sha256(credential), adminDigest) ? { kind: 'admin-key', name: 'admin-key', role: 'admin' } : null,
    );
  }

  addResolver(resolver: CredentialResolver): void {
    this.resolvers.push(resolver);
  }

  async resolve(credential: string): Promise<Principal | null> {
    for (const r of this.resolvers) {
      const p = await r(credential);
      if (p) return p;
    }
    return null;
  }
}
