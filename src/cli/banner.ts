// What the start-up banner says about MQTT: where the broker really listens, or that it does not and why, with
// the variable to set. A broker that silently failed to start (port taken by another broker) would otherwise
// let `mosquitto_pub -p 1883` succeed against the other broker while the reading never arrives here.
import type { Config } from '../config.js';
import type { AppContext } from '../http/context.js';

export interface MqttState {
  /** Readings published per this line reach the platform. */
  ok: boolean;
  line: string;
}

function hostFor(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

export async function describeMqtt(ctx: Pick<AppContext, 'dependencies'>, config: Config): Promise<MqttState> {
  const topic = `${config.mqtt.topicPrefix}/<well_id>/telemetry`;
  const dep = ctx.dependencies.find((d) => d.name === 'mqtt');
  if (!dep) {
    return {
      ok: false,
      line:
        'MQTT: off (MQTT_PORT=0 and no MQTT_URL): readings come in over HTTP only. ' +
        'Set MQTT_PORT (e.g. 1883) for the embedded broker, or MQTT_URL=mqtt://host:1883 to subscribe to an external one.',
    };
  }
  try {
    const info = (await dep.check()) ?? {};
    if (info.mode === 'embedded') {
      return {
        ok: true,
        line: `MQTT: embedded broker on mqtt://${hostFor(config.app.host)}:${String(info.port)}, topic ${topic}, any username, the admin key or a device key as the password`,
      };
    }
    return { ok: true, line: `MQTT: subscribed to ${String(info.subscription)} on ${String(info.url)}` };
  } catch (err) {
    const why = (err as Error).message;
    if (config.mqtt.url) {
      return { ok: false, line: `MQTT: NOT connected to MQTT_URL (${why}); retrying in the background. Check MQTT_URL, MQTT_USERNAME and MQTT_PASSWORD.` };
    }
    return {
      ok: false,
      line:
        `MQTT: NOT listening: ${why}. Messages sent to port ${config.mqtt.port} reach that other program, not this platform. ` +
        `Set MQTT_PORT to a free port (e.g. MQTT_PORT=11883), MQTT_URL=mqtt://localhost:${config.mqtt.port} to subscribe to that broker instead, or MQTT_PORT=0 to turn MQTT off.`,
    };
  }
}
