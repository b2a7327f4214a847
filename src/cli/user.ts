// `esp user add --role engineer NAME [--password P]`, `esp user list`, `esp user delete NAME`: user management
// straight against the configured storage (no server needed). Without --password the password is read from
// stdin (first line) or prompted for, without echo, on a terminal.
import { createInterface } from 'node:readline';
import { packageVersion } from '../app.js';
import { loadConfig, loadDotEnv } from '../config.js';
import { AppError } from '../domain/errors.js';
import { openRepository } from '../storage/index.js';
import { USER_ROLES } from '../domain/identity.js';
import { SecurityService } from '../security/service.js';
import { StoreInUseError } from '../storage/store-lock.js';

const USAGE = `Usage:
  esp user add --role admin|engineer|viewer [--password PASSWORD] NAME
  esp user list
  esp user delete NAME`;

export interface UserCliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string> } | string {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const m = /^--(role|password)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? argv[++i];
      if (v === undefined) return `missing value for --${m[1]}`;
      flags.set(m[1], v);
    } else if (a.startsWith('--')) {
      return `unknown option ${a}`;
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/** One line from a pipe, or a hidden prompt on a terminal. */
async function readPassword(io: UserCliIo): Promise<string> {
  if (io.stdin.isTTY && io.stdin.setRawMode) {
    io.stdout.write('Password: ');
    const stdin = io.stdin;
    stdin.setRawMode!(true);
    stdin.resume();
    return new Promise<string>((resolve, reject) => {
      let buf = '';
      const onData = (chunk: Buffer | string) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            done();
            return resolve(buf);
          }
          if (ch === '\u0003') {
            done();
            return reject(new Error('cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const done = () => {
        stdin.removeListener('data', onData);
        stdin.setRawMode!(false);
        stdin.pause();
        io.stdout.write('\n');
      };
      stdin.on('data', onData);
    });
  }
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return '';
  } finally {
    rl.close();
  }
}

export async function runUser(
  argv: string[],
  io: UserCliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const [sub, ...rest] = argv;
  const parsed = parseArgs(rest);
  if (typeof parsed === 'string' || !sub || !['add', 'list', 'delete', 'remove'].includes(sub)) {
    io.stderr.write(`${typeof parsed === 'string' ? `esp user: ${parsed}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const { positional, flags } = parsed;
  if ((sub === 'list' && positional.length) || (sub !== 'list' && positional.length !== 1)) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let password: string | undefined;
  if (sub === 'add') {
    const role = flags.get('role');
    if (!role || !(USER_ROLES as readonly string[]).includes(role)) {
      io.stderr.write(`esp user add: --role must be one of ${USER_ROLES.join(', ')}\n`);
      return 2;
    }
    password = flags.get('password') ?? (await readPassword(io));
  }

  if (io.env === process.env) loadDotEnv();
  const config = loadConfig(io.env, packageVersion());
  let repo;
  try {
    repo = await openRepository(config);
  } catch (err) {
    if (!(err instanceof StoreInUseError)) throw err;
    // Writing beside the running server would be lost or corrupt the store: refuse, and say the way that works.
    io.stderr.write(`esp user ${sub}: ${err.message}\n  (with the server running, manage users through it: POST/GET/DELETE /api/v1/users with an admin key)\n`);
    return 1;
  }
  try {
    await repo.migrate();
    const service = new SecurityService(repo.security, {
      accessTokenTtlSeconds: config.security.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.security.refreshTokenTtlSeconds,
    });
    if (sub === 'add') {
      const user = await service.createUser(positional[0], password!, flags.get('role')!);
      io.stdout.write(`created user ${user.username} (${user.role})\n`);
    } else if (sub === 'list') {
      for (const u of await service.listUsers()) io.stdout.write(`${u.username}\t${u.role}\t${u.created_at}\n`);
    } else {
      await service.deleteUser(positional[0]);
      io.stdout.write(`deleted user ${positional[0]}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      const details = (err.details?.errors as { field: string; reason: string }[] | undefined)?.map((e) => `${e.field} ${e.reason}`).join('; ');
      io.stderr.write(`esp user ${sub}: ${err.message}${details ? ` (${details})` : ''}\n`);
      return 1;
    }
    throw err;
  } finally {
    await repo.close();
  }
}
