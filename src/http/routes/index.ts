// Every route of the server, grouped by URL prefix. Each group is its own Fastify plugin (encapsulated), so
// hooks that concern one prefix can be added to its group instead of matching URL strings.
//
// The groups are registered after the global hooks (auth, rate limits, audit, metrics …): a plugin sees the
// hooks its parent had when it was registered. The security routes (/api/v1/auth, /users, /keys, /audit) are
// in ./security.ts and registered by the security module, which owns the services they call.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { alarmRoutes } from './alarms.js';
import { diagnosticsRoutes } from './diagnostics.js';
import { eventRoutes } from './events.js';
import { importRoutes } from './import.js';
import { ingestRoutes } from './ingest.js';
import { reliabilityRoutes, wellSurveillanceRoutes } from './surveillance.js';
import { telemetryRoutes } from './telemetry.js';
import { typed, type TypedApp } from './typed.js';
import { fleetRoutes, wellRoutes } from './wells.js';

export { securityRoutes, type SecurityRouteDeps } from './security.js';

type RouteGroup = (app: TypedApp, ctx: AppContext) => Promise<void>;

/** The /api/v1 route groups, registered on the authenticated scope (server.ts), one plugin per prefix. */
export async function registerApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const group = (prefix: string, ...routes: RouteGroup[]) =>
    app.register(
      async (scope) => {
        for (const add of routes) await add(typed(scope), ctx);
      },
      { prefix },
    );

  // The API, one group per prefix.
  await group('/api/v1/telemetry', telemetryRoutes, importRoutes);
  await group('/api/v1/ingest', ingestRoutes);
  await group('/api/v1/wells', wellRoutes, wellSurveillanceRoutes);
  await group('/api/v1/fleet', fleetRoutes);
  await group('/api/v1/reliability', reliabilityRoutes);
  await group('/api/v1/diagnostics', diagnosticsRoutes);
  await group('/api/v1/alarms', alarmRoutes);
  await group('/api/v1/events', eventRoutes);
}
