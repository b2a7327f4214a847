// What the composition root starts, stops and asks about: transports (MQTT broker or subscriber) and the
// dependencies readiness reports on. Interfaces only, so every layer can offer them without importing the app.

export interface DependencyCheck {
  name: string;
  /** Throws when the dependency is down. */
  check(): Promise<Record<string, unknown> | void>;
  /** A required dependency failing makes the service not ready. */
  required: boolean;
}

export interface Transport {
  name: string;
  start(): Promise<void>;
  /** Stop taking new work; called before the pipeline drains. */
  stop(): Promise<void>;
  health?: DependencyCheck;
}
