// The optional capabilities wired into the app: each contributes services, routes, hooks and transports.
import type { FastifyInstance } from 'fastify';
import type { App, Module, Transport } from './app.js';
import type { Config } from './config.js';
import type { AppContext } from './http/context.js';
import { metrics } from './http/metrics.js';
import { ingestModule } from './ingest/module.js';
import { SecurityServices } from './security/services.js';

const MINUTE = 60_000;

/**
 * Security and operations: the services (Redis, caches, users/tokens/device keys, audit log, rate limiters,
 * the well → field overlay) opened before the HTTP server, whose plugins are handed them; the latest-reading
 * cache fed by the pipeline's commits; a maintenance timer.
 */
export function securityModule(): Module {
  return {
    async open(ctx: AppContext, app: App) {
      const security = await SecurityServices.open({
        config: ctx.config,
        log: ctx.log,
        repo: ctx.repo,
        onAuditWriteFailed: () => metrics.storageErrors.inc({ operation: 'audit' }),
      });
      if (security.dependency) ctx.dependencies.push(security.dependency);
      ctx.latest = security.latest;
      ctx.fleet = security.fleet;
      ctx.fieldOf = security.wellFields.fieldOf(ctx.fieldOf);
      ctx.authenticator.addResolver((credential) => security.service.resolveDeviceKey(credential));
      ctx.authenticator.addResolver((credential) => security.service.resolveAccessToken(credential));
      // Newest reading per well (by timestamp) from the pipeline's commits.
      ctx.pipeline.onCommit((readings) => {
        void security.latest.put(readings).catch((err: Error) => ctx.log.warn({ err: err.message }, 'latest cache update failed'));
      });
      let timer: NodeJS.Timeout | null = null;
      const maintenance: Transport = {
        name: 'security-maintenance',
        async start() {
          // Every minute: the full well → field map (for MQTT device keys), expired refresh tokens.
          timer = setInterval(() => {
            void (async () => {
              try {
                await app.refreshFields();
                security.wellFields.clear();
                await security.purge();
              } catch (err) {
                ctx.log.warn({ err }, 'security maintenance failed');
              }
            })();
          }, MINUTE);
          timer.unref();
        },
        async stop() {
          if (timer) clearInterval(timer);
        },
      };
      // The Redis connection closes with the HTTP server, once readings still being written updated the cache.
      const closeWithServer = async (server: FastifyInstance) => {
        server.addHook('onClose', async () => {
          await ctx.pipeline.drain(false).catch(() => undefined);
          await security.close();
        });
      };
      return { server: { security, plugins: [closeWithServer] }, transports: [maintenance] };
    },
  };
}

export function defaultModules(_config: Config): Module[] {
  return [securityModule(), ingestModule()];
}
