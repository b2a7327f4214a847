// The admin key: from ESP_ADMIN_KEY, or (outside production) generated once and kept in DATA_DIR, mode 0600.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface AdminKey {
  key: string;
  source: 'environment' | 'file' | 'generated';
  path?: string;
}

export function resolveAdminKey(config: Config): AdminKey {
  if (config.security.adminKey) return { key: config.security.adminKey, source: 'environment' };
  const path = join(config.app.dataDir, 'admin.key');
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (key.length >= 32) return { key, source: 'file', path };
  }
  mkdirSync(config.app.dataDir, { recursive: true });
  const key = `esp_admin_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, key + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { key, source: 'generated', path };
}
