// Against a private Mosquitto running the repository's production configuration (deploy/mosquitto): a backlog
// queued while the platform was away drains with the in-flight window the platform asked for, no reconnects and
// nothing lost; the broker's $SYS counters reach /metrics; drops reported by the broker degrade /health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestMetrics } from '../../src/ingest/metrics.js';
import { ingestModule } from '../../src/ingest/module.js';
import { BrokerSysReader } from '../../src/ingest/mqtt.js';
import { securityModule } from '../../src/modules.js';
import { PLATFORM_USER, publishReadings, startPrivateMosquitto, type PrivateMosquitto } from '../../scripts/mosquitto-private.js';
import { ADAPTERS, openTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../helpers.js';
import { faultyRepo } from './support.js';

const BACKLOG = 20_000;
const RECEIVE_MAXIMUM = 200;

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number, detail: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(detail())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function platformEnv(broker: PrivateMosquitto, clientId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MQTT_URL: broker.url,
    MQTT_USERNAME: PLATFORM_USER.username,
    MQTT_PASSWORD: PLATFORM_USER.password,
    MQTT_CLIENT_ID: clientId,
    MQTT_RECEIVE_MAXIMUM: String(RECEIVE_MAXIMUM),
    ...extra,
  };
}

describe('broker $SYS statistics', () => {
  it('takes the first drop count as the baseline, counts rises (across a broker restart) and sums EMQX nodes', () => {
    const m = new IngestMetrics();
    const sys = new BrokerSysReader(m);
    sys.take('$SYS/broker/publish/messages/dropped', Buffer.from('40'), true);
    expect(m.broker).toMatchObject({ messagesDropped: 40, dropsObserved: 0, lastDropAt: 0 });
    sys.take('$SYS/broker/publish/messages/dropped', Buffer.from('55'));
    expect(m.broker.dropsObserved).toBe(15);
    expect(m.broker.lastDropAt).toBeGreaterThan(0);
    sys.take('$SYS/broker/publish/messages/dropped', Buffer.from('3')); // the broker restarted
    expect(m.broker.dropsObserved).toBe(18);
    sys.take('$SYS/broker/store/messages/count', Buffer.from('1234'));
    sys.take('$SYS/broker/uptime', Buffer.from('12 seconds'));
    expect(m.broker.storedMessages).toBe(1234);

    const e = new IngestMetrics();
    const emqx = new BrokerSysReader(e);
    emqx.take('$SYS/brokers/emqx@a/metrics/messages/dropped', Buffer.from('0'), true);
    emqx.take('$SYS/brokers/emqx@b/metrics/messages/dropped', Buffer.from('0'), true);
    emqx.take('$SYS/brokers/emqx@b/metrics/messages/dropped', Buffer.from('7'));
    emqx.take('$SYS/brokers/emqx@a/stats/connections/count', Buffer.from('10'));
    emqx.take('$SYS/brokers/emqx@b/stats/connections/count', Buffer.from('5'));
    expect(e.broker).toMatchObject({ messagesDropped: 7, dropsObserved: 7, clientsConnected: 15 });
    expect(BrokerSysReader.topics).toContain('$SYS/brokers/+/metrics/messages/dropped');

    // The retained baseline was missed: the first live value counts in full (the counter only changes on drops).
    const late = new IngestMetrics();
    new BrokerSysReader(late).take('$SYS/broker/publish/messages/dropped', Buffer.from('12'));
    expect(late.broker.dropsObserved).toBe(12);
  });
});

describe.each(ADAPTERS)('external Mosquitto with the production configuration (%s)', (adapter) => {
  let broker: PrivateMosquitto;
  let db: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    broker = await startPrivateMosquitto({ sys_interval: '1' });
    db = await openTestDatabase(adapter);
  });

  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
    await db?.close();
    await broker?.stop();
  });

  const start = async (env: Record<string, string>, repo = db.repo) => {
    const t = await startTestApp({ ...db, repo, close: async () => undefined }, { modules: [securityModule(), ingestModule()], env });
    apps.push(t);
    return t;
  };

  it(`drains a ${BACKLOG}-message backlog within the receive maximum, without reconnecting or losing any`, async () => {
    const clientId = `backlog-${adapter}-${Date.now()}`;
    // First connection: the persistent session and its shared subscription are created, then the platform leaves.
    const first = await start(platformEnv(broker, clientId));
    await waitFor('the subscription', () => first.app.ctx.ingestMetrics!.mqtt.connections === 1, 10_000);
    await first.close();
    await publishReadings(broker.url, BACKLOG, { wellPrefix: `BL${adapter}`, wells: 50 });

    const t = await start(platformEnv(broker, clientId));
    const m = t.app.ctx.ingestMetrics!;
    let maxAwaiting = 0;
    let maxDepth = 0;
    const sampler = setInterval(() => {
      maxAwaiting = Math.max(maxAwaiting, m.mqtt.awaitingAck);
      maxDepth = Math.max(maxDepth, t.app.ctx.pipeline.depth);
    }, 5);
    try {
      await waitFor('the backlog to drain', () => m.transports.mqtt.accepted >= BACKLOG, 180_000, () => ({ accepted: m.transports.mqtt.accepted, mqtt: m.mqtt }));
    } finally {
      clearInterval(sampler);
    }
    expect(m.transports.mqtt.accepted).toBe(BACKLOG);
    let stored = 0;
    for (let w = 0; w < 50; w++) stored += await db.repo.countReadings(`BL${adapter}-${w}`);
    expect(stored).toBe(BACKLOG);
    // The broker never had more than the window in flight to the platform, and it was never cut off.
    expect(maxAwaiting).toBeLessThanOrEqual(RECEIVE_MAXIMUM);
    expect(maxDepth).toBeLessThanOrEqual(RECEIVE_MAXIMUM);
    expect(m.mqtt.brokerConnects).toBe(1);
    expect(m.mqtt.unacknowledged).toBe(0);

    // The broker's statistics arrive through $SYS and are exported; with these limits it dropped nothing.
    await waitFor('broker statistics', () => m.broker.messagesDropped !== null && m.broker.storedMessages !== null, 10_000);
    expect(m.broker.messagesDropped).toBe(0);
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toMatch(/^esp_mqtt_broker_messages_dropped 0$/m);
    expect(metrics).toMatch(/^esp_mqtt_broker_stored_messages \d+$/m);
    const health = (await (await t.request('/health')).json()) as { status: string; dependencies: Record<string, Record<string, unknown>> };
    expect(health.dependencies.mqtt).toMatchObject({ status: 'healthy', receive_maximum: RECEIVE_MAXIMUM, broker_messages_dropped: 0 });
    await t.close();
  });

  it('reports messages the broker drops (queue limit exceeded) in /metrics and degrades /health', async () => {
    // The production configuration with a queue limit far too small, and a platform slowed down by its store.
    const small = await startPrivateMosquitto({ sys_interval: '1', max_queued_messages: '20' });
    try {
      const slow = faultyRepo(db.repo);
      slow.delayMs = 100;
      const t = await start(platformEnv(small, `drops-${adapter}-${Date.now()}`, { MQTT_RECEIVE_MAXIMUM: '5' }), slow.repo);
      const m = t.app.ctx.ingestMetrics!;
      await waitFor('the baseline drop counter', () => m.broker.messagesDropped !== null, 10_000);
      const health0 = (await (await t.request('/health')).json()) as { health: string };
      expect(health0.health).toBe('healthy');
      await publishReadings(small.url, 500, { wellPrefix: `DROP${adapter}`, wells: 5 });
      await waitFor('the broker to report drops', () => m.broker.dropsObserved > 0, 15_000, () => m.broker);
      const metrics = await (await t.request('/metrics')).text();
      expect(Number(/^esp_mqtt_broker_messages_dropped (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(Number(/^esp_mqtt_broker_drops_observed_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      const health = await t.request('/health');
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; health: string; dependencies: Record<string, { status: string; error?: string }> };
      expect(body.status).toBe('ready');
      expect(body.health).toBe('degraded');
      expect(body.dependencies.mqtt.status).toBe('degraded');
      expect(body.dependencies.mqtt.error).toMatch(/the broker dropped \d+ message/);
      // Ready keeps serving (the platform stores what arrives) and says why in the dependency detail.
      const ready = await t.request('/health/ready');
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { dependencies: Record<string, { status: string }> }).dependencies.mqtt.status).toBe('degraded');
      slow.delayMs = 0;
      await t.close();
    } finally {
      await small.stop();
    }
  });
});
