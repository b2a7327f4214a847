// The optional capabilities wired into the app: each contributes routes, hooks and transports.
import type { Module } from './app.js';
import type { Config } from './config.js';
import { ingestModule } from './ingest/module.js';
import { securityModule } from './security/module.js';

export function defaultModules(_config: Config): Module[] {
  return [securityModule(), ingestModule()];
}
