// The ingest module: MQTT (embedded broker or a shared subscription on an external one), the list of rejected
// device messages, and the ingest counters by transport (the bulk import and ingest routes are in http/routes/).
import type { FastifyInstance } from 'fastify';
import type { Module, Transport } from '../app.js';
import type { AppContext } from '../http/context.js';
import { RejectedSink } from './device.js';
import { IngestMetrics } from './metrics.js';
import { defaultClientId, EmbeddedBroker, ExternalSubscriber, MqttMessageHandler } from './mqtt.js';

export function metricsOf(ctx: AppContext): IngestMetrics {
  return (ctx.ingestMetrics ??= new IngestMetrics());
}

// The routes are in http/routes/ingest.ts and http/routes/import.ts.
async function ingestHooks(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const metrics = metricsOf(ctx);

  // Count what the core HTTP ingest routes accept and refuse.
  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url;
    if (url === '/api/v1/telemetry/ingest' || url === '/api/v1/telemetry/batch') {
      const body = req.body as { readings?: unknown[] } | undefined;
      const n = url.endsWith('/batch') ? (Array.isArray(body?.readings) ? body.readings.length : 0) : 1;
      if (reply.statusCode === 201) metrics.accepted('http', n);
      else if (reply.statusCode === 400 || reply.statusCode === 403) metrics.rejected('http', n, reply.statusCode === 403 ? 'scope' : 'invalid');
    }
    done();
  });
}

export interface IngestModule extends Module {
  /** The MQTT transport once set up (tests read the bound port from it). */
  mqtt: EmbeddedBroker | ExternalSubscriber | null;
}

export function ingestModule(): IngestModule {
  const mod: IngestModule = {
    mqtt: null,
    server: { plugins: [ingestHooks] },
    async setup(ctx) {
      const metrics = metricsOf(ctx);
      const rejects = new RejectedSink(ctx.repo, ctx.log);
      const { mqtt, app } = ctx.config;
      const handler = new MqttMessageHandler(ctx, metrics, rejects, mqtt.topicPrefix);
      const transports: Transport[] = [];
      if (mqtt.url) {
        mod.mqtt = new ExternalSubscriber(ctx, handler, metrics, {
          url: mqtt.url,
          shareGroup: mqtt.shareGroup,
          topicPrefix: mqtt.topicPrefix,
          username: mqtt.username,
          password: mqtt.password,
          clientId: mqtt.clientId ?? defaultClientId(mqtt.shareGroup, app.port),
          // Never more in flight than a tenth of the ingest queue, so a backlog cannot fill it.
          receiveMaximum: Math.max(1, Math.min(mqtt.receiveMaximum, Math.floor(ctx.config.telemetry.queueMax / 10))),
        });
      } else if (mqtt.port) {
        mod.mqtt = new EmbeddedBroker(ctx, handler, metrics, {
          port: mqtt.port,
          host: app.host,
          maxPacketBytes: mqtt.maxPacketBytes,
          maxConnections: mqtt.maxConnections,
        });
      }
      if (mod.mqtt) transports.push(mod.mqtt);
      // Stopped after the MQTT transport: rejections still buffered are written before storage closes.
      transports.push({ name: 'ingest-rejects', start: async () => undefined, stop: () => rejects.flush() });
      return transports;
    },
  };
  return mod;
}
