// `esp import FILE [--url URL] [--api-key-file F] [--well ID] [--format csv|ndjson]` (key from $ESP_API_KEY): streams a CSV or NDJSON
// file to a running server's bulk import, with a progress bar on stderr and the summary at the end.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { API_KEY_HELP, resolveApiKey } from './api-key.js';

const USAGE = `Usage: esp import FILE [options]

Streams FILE (CSV with a header row well_id,timestamp,<channels…>, or NDJSON) to a running server.

Options:
  --url URL          server (default $ESP_URL or http://localhost:8000)
  --api-key-file F   read the API key from file F (else $ESP_API_KEY, see below)
  --well ID          well for rows without a well_id
  --format F         csv or ndjson (default: from the file extension)
  --quiet            no progress bar

${API_KEY_HELP}

Exit status: 0 all rows stored, 3 finished with rejected rows, 1 failed.`;

interface Args {
  file?: string;
  url: string;
  apiKey?: string;
  apiKeyFile?: string;
  well?: string;
  format?: 'csv' | 'ndjson';
  quiet: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { url: process.env.ESP_URL ?? 'http://localhost:8000', quiet: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--url':
        a.url = value();
        break;
      case '--api-key':
        a.apiKey = value();
        break;
      case '--api-key-file':
        a.apiKeyFile = value();
        break;
      case '--well':
        a.well = value();
        break;
      case '--format': {
        const f = value();
        if (f !== 'csv' && f !== 'ndjson') throw new Error('--format must be csv or ndjson');
        a.format = f;
        break;
      }
      case '--quiet':
      case '-q':
        a.quiet = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
        if (a.file) throw new Error('only one FILE');
        a.file = arg;
    }
  }
  return a;
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u ? 1 : 0)} ${units[u]}`;
}

interface Summary {
  success?: boolean;
  accepted?: number;
  rejected?: number;
  rejected_samples?: { line: number; field: string; reason: string }[];
  duration_ms?: number;
  message?: string;
}

export async function runImport(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`esp import: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help || !args.file) {
    (args.help ? process.stdout : process.stderr).write(USAGE + '\n');
    return args.help ? 0 : 2;
  }
  const file = args.file;
  if (!existsSync(file) || !statSync(file).isFile()) {
    process.stderr.write(`esp import: no such file: ${file}\n`);
    return 1;
  }
  const total = statSync(file).size;
  const format = args.format ?? (/\.(ndjson|jsonl|json)$/i.test(file) ? 'ndjson' : 'csv');
  let key: string | undefined;
  let keyFrom = '';
  try {
    ({ key, from: keyFrom } = resolveApiKey({ flag: args.apiKey, file: args.apiKeyFile }));
  } catch (err) {
    process.stderr.write(`esp import: ${(err as Error).message}\n`);
    return 2;
  }
  const url = new URL('/api/v1/telemetry/import', args.url);
  if (args.well) url.searchParams.set('well_id', args.well);
  url.searchParams.set('format', format);

  const started = performance.now();
  let sent = 0;
  let rows = 0;
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  const draw = (final = false) => {
    if (args.quiet) return;
    const now = performance.now();
    if (!final && now - lastDraw < (tty ? 100 : 2_000)) return;
    lastDraw = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const pct = total ? sent / total : 1;
    const width = 30;
    const fill = Math.round(pct * width);
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(pct * 100).toFixed(1).padStart(5)}%  ${human(sent)} / ${human(total)}  ${Math.round(rows / secs).toLocaleString('en-US')} rows/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    if (final && tty) process.stderr.write('\n');
  };

  const progress = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) rows++;
      draw();
      cb(null, chunk);
    },
  });

  const headers: Record<string, string | number> = {
    'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
    'content-length': total,
    accept: 'application/json',
  };
  if (key) headers.authorization = `Bearer ${key}`;

  let status = 0;
  let text = '';
  try {
    await new Promise<void>((resolveReq, rejectReq) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers }, (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', resolveReq);
        res.on('error', rejectReq);
      });
      req.on('error', rejectReq);
      pipeline(createReadStream(file), progress, req).catch((err: NodeJS.ErrnoException) => {
        // The server may answer (e.g. 401, 413) before the upload ends; that answer is what matters.
        if (status === 0) rejectReq(err);
      });
    });
  } catch (err) {
    draw(true);
    process.stderr.write(`esp import: request to ${url.origin} failed: ${(err as Error).message}\n`);
    return 1;
  }
  draw(true);
  let body: Summary = {};
  try {
    body = JSON.parse(text) as Summary;
  } catch {
    body = { message: text.slice(0, 500) };
  }
  if (status !== 200) {
    const hint = status === 401 || status === 403 ? ` (API key from ${keyFrom})` : '';
    process.stderr.write(`esp import: server answered ${status}: ${body.message ?? text.slice(0, 500)}${hint}\n`);
    return 1;
  }
  const secs = (performance.now() - started) / 1000;
  const accepted = body.accepted ?? 0;
  const rejected = body.rejected ?? 0;
  process.stdout.write(
    `Imported ${file}: ${accepted.toLocaleString('en-US')} readings accepted, ${rejected.toLocaleString('en-US')} rejected, ` +
      `${secs.toFixed(1)} s (${Math.round(accepted / Math.max(secs, 0.001)).toLocaleString('en-US')} readings/s)\n`,
  );
  for (const r of body.rejected_samples ?? []) process.stdout.write(`  line ${r.line}: ${r.field} ${r.reason}\n`);
  if (rejected > (body.rejected_samples?.length ?? 0)) {
    process.stdout.write(`  … and ${rejected - (body.rejected_samples?.length ?? 0)} more\n`);
  }
  return rejected > 0 ? 3 : 0;
}
