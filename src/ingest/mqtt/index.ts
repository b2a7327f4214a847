// MQTT ingest. Two ways in, one rule: a QoS 1 PUBLISH is acknowledged only after its readings are committed (or
// its rejection recorded), so a gateway that loses its link, or a server that dies, never loses a reading the
// gateway believes delivered. The embedded broker (broker.ts) serves devices directly; the external subscriber
// (subscriber.ts) takes a shared subscription on Mosquitto/EMQX. Both hand each message to handler.ts.
export type { MqttDeps } from './deps.js';
export { MqttMessageHandler } from './handler.js';
export { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { ExternalSubscriber, defaultClientId, BROKER_DROP_WINDOW_MS, type ExternalSubscriberOptions } from './subscriber.js';
export { BrokerSysReader, BROKER_SYS_TOPICS } from './broker-sys.js';
