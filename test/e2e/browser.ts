// Headless Chromium for the end-to-end tests, and a fresh dashboard build to test.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds web/dist when it is missing or older than the dashboard's sources; says which. */
export function ensureWebBuild(): 'fresh' | 'rebuilt' {
  const web = (p: string) => join(ROOT, 'web', p);
  const built = newest(web('dist/index.html'));
  // The dashboard also imports the server's wire shapes from src/domain.
  const sources = Math.max(newest(web('src')), newest(web('index.html')), newest(web('vite.config.ts')), newest(web('public')), newest(join(ROOT, 'src', 'domain')));
  if (built >= sources) return 'fresh';
  execSync('npx vite build --config web/vite.config.ts --logLevel warn', { cwd: ROOT, stdio: 'inherit' });
  return 'rebuilt';
}
