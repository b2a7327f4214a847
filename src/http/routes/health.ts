// Probes, shaped as in the original platform: status, timestamp, service, version, dependencies.
import type { AppContext } from '../context.js';
import type { TypedApp } from './typed.js';

async function checkAll(ctx: AppContext) {
  const results: Record<string, Record<string, unknown>> = {};
  let ready = true;
  await Promise.all(
    ctx.dependencies.map(async (d) => {
      const started = performance.now();
      try {
        const extra = await Promise.race([
          d.check(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000).unref()),
        ]);
        results[d.name] = { status: 'healthy', latency_ms: Math.round((performance.now() - started) * 10) / 10, ...(extra ?? {}) };
      } catch (err) {
        results[d.name] = { status: 'unhealthy', required: d.required, error: (err as Error).message };
        if (d.required) ready = false;
      }
    }),
  );
  return { ready, results };
}

export async function healthRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const base = () => ({
    timestamp: new Date().toISOString(),
    service: ctx.config.app.serviceName,
    version: ctx.config.app.version,
  });
  const schema = { tags: ['health'] };

  app.get('/health/live', { schema: { ...schema, summary: 'Liveness: the process answers' } }, async () => ({
    status: 'alive',
    ...base(),
    uptime_seconds: Math.round(process.uptime()),
  }));

  app.get('/health/startup', { schema: { ...schema, summary: 'Start-up finished (migrations applied, listeners up)' } }, async (_req, reply) => {
    const started = ctx.startedAt !== null;
    return reply.status(started ? 200 : 503).send({
      status: started ? 'started' : 'starting',
      ...base(),
      message: started ? 'Application started successfully' : 'Starting: applying migrations and opening listeners',
    });
  });

  app.get('/health/ready', { schema: { ...schema, summary: 'Readiness: storage (and broker, cache when configured) reachable' } }, async (_req, reply) => {
    const { ready, results } = await checkAll(ctx);
    const ok = ready && ctx.startedAt !== null;
    if (!ok) reply.header('Retry-After', '5');
    // As in the original, `status` is ready | not_ready; `health` says whether an optional dependency fails
    // (disk nearly full: reads served, writes refused).
    const degraded = Object.values(results).some((r) => r.status !== 'healthy');
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not_ready',
      health: !ready ? 'unhealthy' : degraded ? 'degraded' : 'healthy',
      ...base(),
      environment: ctx.config.app.environment,
      dependencies: results,
    });
  });

  // As in the original, `/health` is readiness (`status` ready | not_ready); `health` grades it further.
  app.get('/health', { schema: { ...schema, summary: 'Overall health with every dependency' } }, async (_req, reply) => {
    const { ready, results } = await checkAll(ctx);
    const degraded = Object.values(results).some((r) => r.status !== 'healthy');
    const ok = ready && ctx.startedAt !== null;
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not_ready',
      health: !ready ? 'unhealthy' : degraded ? 'degraded' : 'healthy',
      ...base(),
      environment: ctx.config.app.environment,
      uptime_seconds: Math.round(process.uptime()),
      storage: ctx.repo.kind,
      ingest: { queue_depth: ctx.pipeline.depth, ...ctx.pipeline.stats },
      dependencies: results,
    });
  });
}
