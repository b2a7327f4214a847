// Builds (server and dashboard) when the build is missing or older than the sources, so `npm start` and
// `npm run bench` work straight after `npm ci`.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir, skip = new Set(['node_modules', 'dist'])) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return t;
}

const built = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const srcNewest = Math.max(newest('src'), newest('bench'), built('tsconfig.json'), built('package.json'));
const webNewest = Math.max(newest('web/src'), built('web/index.html'), built('web/vite.config.ts'));

if (built('dist/src/cli/main.js') < srcNewest) {
  console.error('[esp] building server (tsc)…');
  execSync('npx tsc -p tsconfig.json', { stdio: 'inherit' });
}
if (existsSync('web/vite.config.ts') && built('web/dist/index.html') < webNewest) {
  console.error('[esp] building dashboard (vite)…');
  execSync('npx vite build --config web/vite.config.ts --logLevel warn', { stdio: 'inherit' });
}
