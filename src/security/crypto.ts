// Password hashing (scrypt with a per-user salt, constant-time verify) and the opaque secrets the platform
// hands out: device keys and refresh tokens, `<prefix>_<public id>_<secret>`, stored only as sha256.
import * as nodeCrypto from 'node:crypto';
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 64 } as const;
const MAX_PASSWORD_BYTES = 1024;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string): Promise<string> {
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new RangeError('password too long');
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** A hash of a random password: verifying against it costs the same as against a real one. */
let decoyHash: Promise<string> | null = null;
function decoy(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(24).toString('base64'));
  return decoyHash;
}

/** Constant-time check of a password against a stored hash; a null hash (unknown user) still costs a hash. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const real = stored !== null;
  const encoded = stored ?? (await decoy());
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts;
  const expected = Buffer.from(hashB64, 'base64');
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
  const actual = await scryptAsync(password, Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected) && real;
}

type OneShotHash = (algorithm: string, data: string, encoding: 'buffer') => Buffer;
const oneShot = (nodeCrypto as { hash?: OneShotHash }).hash;

/** SHA-256 of a string. Runs on every authenticated request: the one-shot `crypto.hash` (Node ≥ 20.12) costs
 * less than half a Hash object. */
export const sha256: (s: string) => Buffer = oneShot
  ? (s) => oneShot('sha256', s, 'buffer')
  : (s) => createHash('sha256').update(s).digest();

export function sha256Hex(s: string): string {
  return sha256(s).toString('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestEquals(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

export interface OpaqueSecret {
  /** The whole value given to the client, once. */
  value: string;
  /** Public lookup id. */
  id: string;
  /** sha256 of the whole value: what is stored. */
  hash: string;
}

export const DEVICE_KEY_PREFIX = 'espk';
export const REFRESH_TOKEN_PREFIX = 'esprt';

const ID_HEX = 16;

export function newOpaqueSecret(prefix: string): OpaqueSecret {
  const id = randomId(ID_HEX / 2);
  const value = `${prefix}_${id}_${randomBytes(32).toString('base64url')}`;
  return { value, id, hash: sha256Hex(value) };
}

/** The id of a well-formed opaque secret with this prefix, or null. */
export function parseOpaqueSecret(prefix: string, value: string): string | null {
  const m = new RegExp(`^${prefix}_([0-9a-f]{${ID_HEX}})_[A-Za-z0-9_-]{43}$`).exec(value);
  return m ? m[1] : null;
}
