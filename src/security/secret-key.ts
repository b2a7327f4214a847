// The key that signs access tokens: SECRET_KEY (required, ≥ 32 characters, in production — checked by the
// config), or outside production generated once and kept in DATA_DIR/secret.key with mode 0600.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigurationError } from '../domain/errors.js';

export interface SecretKey {
  key: string;
  source: 'environment' | 'file' | 'generated';
  path?: string;
}

export function resolveSecretKey(config: Pick<Config, 'app' | 'security'>): SecretKey {
  if (config.security.secretKey) return { key: config.security.secretKey, source: 'environment' };
  if (config.app.environment === 'production') {
    throw new ConfigurationError('SECRET_KEY: required in production, at least 32 characters');
  }
  const path = join(config.app.dataDir, 'secret.key');
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (key.length >= 32) return { key, source: 'file', path };
  }
  mkdirSync(config.app.dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  writeFileSync(path, key + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { key, source: 'generated', path };
}
