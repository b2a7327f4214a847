#!/usr/bin/env node
// `esp`: the platform's command line.
import { AppError } from '../domain/errors.js';

const HELP = `esp — ESP IoT Platform

Usage: esp <command> [options]

Commands:
  serve                 run the platform (HTTP API, MQTT, diagnostics, dashboard)
  demo [options]        the platform with a simulated, live fleet of ~50 wells (embedded store in ./data/demo)
  migrate               apply database migrations and exit
  simulate [options]    simulated fleet: post to a server (HTTP/MQTT) or write CSV/NDJSON
  diagnose [--well well.json] FILE   diagnose an exported SCADA file offline (--help: the well file, flags)
  import FILE           bulk-import a CSV or NDJSON file into a running server
  user add --role R NAME   create a user (prompts for the password, or --password)
  help                  this text

import and simulate read the API key from $ESP_API_KEY (or --api-key-file FILE, or ./data/admin.key).
Configuration comes from the environment (and .env); see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return (await import('./serve.js')).runServe();
    case 'demo':
      return (await import('./demo.js')).runDemo(rest);
    case 'migrate':
      return (await import('./migrate.js')).runMigrate();
    case 'simulate':
      return (await import('./simulate.js')).runSimulate(rest);
    case 'diagnose':
      return (await import('./diagnose.js')).runDiagnose(rest);
    case 'import':
      return (await import('./import.js')).runImport(rest);
    case 'user':
      return (await import('./user.js')).runUser(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return 0;
    default:
      process.stderr.write(`esp: unknown command "${cmd}"\n\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof AppError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
    process.stderr.write(`esp: ${msg}\n`);
    process.exit(1);
  },
);
