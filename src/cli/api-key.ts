// Where the CLI's client commands (import, simulate) find the API key, so it never has to be typed on the
// command line, where `ps`, the shell history and `npm run` (which prints the command) would show it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const API_KEY_HELP = `The API key (one with the ingest permission) is read from, in order: --api-key-file FILE, $ESP_API_KEY,
$ESP_ADMIN_KEY, or the admin key in $DATA_DIR/admin.key (default ./data/admin.key). --api-key KEY also works
but shows the key to anyone who can list processes.`;

export interface ApiKeySource {
  key: string | undefined;
  /** Where the key came from, for messages ("from $ESP_API_KEY"); never the key itself. */
  from: string;
}

/** The key from a file (its first line, trimmed); a clear error when the file is missing or empty. */
export function readKeyFile(path: string): string {
  if (!existsSync(path)) throw new Error(`--api-key-file ${path}: no such file`);
  const key = readFileSync(path, 'utf8').split(/\r?\n/)[0].trim();
  if (!key) throw new Error(`--api-key-file ${path} is empty`);
  return key;
}

export function resolveApiKey(opts: { flag?: string; file?: string }, env: NodeJS.ProcessEnv = process.env): ApiKeySource {
  if (opts.flag) {
    process.stderr.write('esp: --api-key puts the key on the command line (visible in ps); prefer ESP_API_KEY or --api-key-file\n');
    return { key: opts.flag, from: '--api-key' };
  }
  if (opts.file) return { key: readKeyFile(opts.file), from: opts.file };
  if (env.ESP_API_KEY) return { key: env.ESP_API_KEY, from: '$ESP_API_KEY' };
  if (env.ESP_ADMIN_KEY) return { key: env.ESP_ADMIN_KEY, from: '$ESP_ADMIN_KEY' };
  const path = join(resolve(env.DATA_DIR ?? './data'), 'admin.key');
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (key) return { key, from: path };
  }
  return { key: undefined, from: 'nowhere (set ESP_API_KEY or use --api-key-file)' };
}
