// `esp serve`: run the platform until SIGTERM/SIGINT, then shut down without losing queued readings.
import { App } from '../app.js';
import { loadConfig, loadDotEnv } from '../config.js';
import { packageVersion } from '../app.js';
import { describeMqtt } from './banner.js';

export async function runServe(): Promise<number> {
  loadDotEnv();
  const config = loadConfig(process.env, packageVersion());
  const app = await App.create(config);
  const { adminKey, log } = app;
  await app.start();
  log.info(
    { port: app.port, storage: app.ctx.repo.kind, data_dir: config.database.url ? undefined : config.app.dataDir },
    `ESP IoT Platform listening on http://${config.app.host === '0.0.0.0' ? 'localhost' : config.app.host}:${app.port}`,
  );
  const mqtt = await describeMqtt(app.ctx, config);
  if (mqtt.ok) log.info(mqtt.line);
  else log.warn(mqtt.line);
  // Also on stdout, beside the URL and the key, where a first-time user looks.
  process.stdout.write(`\n${mqtt.line}\n`);
  if (adminKey.source === 'generated') {
    // Shown once on the console (not through the log stream), stored with mode 0600.
    process.stdout.write(`\nAdmin API key (generated, saved to ${adminKey.path}):\n  ${adminKey.key}\n\n`);
  } else if (adminKey.source === 'file') {
    process.stdout.write(`\nAdmin API key: in ${adminKey.path} (mode 0600)\n\n`);
  }

  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.app.shutdownTimeoutMs);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return new Promise<number>(() => undefined);
}
