// Access tokens: HS256 only (alg "none" and others refused), issuer and expiry required. A plain signer over
// fast-jwt (what @fastify/jwt wraps), built once by the composition root and handed to the SecurityService.
import { createSigner, createVerifier } from 'fast-jwt';
import { ISSUER, type AccessClaims, type TokenSigner } from './service.js';

export function hs256Signer(key: string, ttlSeconds: number): TokenSigner {
  const signers = new Map<number, (payload: Record<string, unknown>) => string>();
  const signerFor = (ttl: number) => {
    let s = signers.get(ttl);
    if (!s) signers.set(ttl, (s = createSigner({ key, algorithm: 'HS256', iss: ISSUER, expiresIn: ttl * 1000 })));
    return s;
  };
  signerFor(ttlSeconds);
  const verifier = createVerifier({ key, algorithms: ['HS256'], allowedIss: ISSUER, requiredClaims: ['exp', 'sub', 'iss'] });
  return {
    sign: (claims, ttl) => signerFor(ttl)({ ...claims }),
    verify: (token) => verifier(token) as AccessClaims,
  };
}
