// What the MQTT transports need from the application, shared by the broker, the subscriber and the handler.
import type { Logger } from 'pino';
import type { Principal } from '../../domain/identity.js';
import type { Config } from '../../config.js';
import type { ReadingValidator } from '../../domain/validation.js';
import type { IngestPipeline } from '../pipeline.js';

/** What MQTT needs from the application: no more, so it does not depend on the HTTP layer's context. */
export interface MqttDeps {
  config: Config;
  log: Logger;
  validator: ReadingValidator;
  pipeline: IngestPipeline;
  /** The credential check HTTP uses too (security/authenticator.ts). */
  authenticator: { resolve(credential: string): Promise<Principal | null> };
  fieldOf(wellId: string): string | null | undefined;
}
