// Security headers: helmet's, computed once (they do not depend on the request: no CSP nonces) and set on
// every reply. CSP relaxed only as far as the Swagger UI and the dashboard need; HSTS in production.
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

export interface HeadersOptions {
  production: boolean;
}

/** Runs helmet once against a stand-in response and keeps the headers it would set. */
function staticHelmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (k: string, v: unknown) => void (headers[k.toLowerCase()] = String(v)),
    removeHeader: (k: string) => void delete headers[k.toLowerCase()],
    getHeader: (k: string) => headers[k.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => void (failure = err));
  if (failure) throw failure;
  return headers;
}

export function securityHeaders(production: boolean): Record<string, string> {
  return staticHelmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

export const headersPlugin = fp<HeadersOptions>(
  (app, opts, done) => {
    const headers = securityHeaders(opts.production);
    app.addHook('onRequest', (_req, reply, next) => {
      reply.headers(headers);
      next();
    });
    done();
  },
  { name: 'esp-headers', fastify: '5.x' },
);
