// CORS from the allowlist (ALLOWED_ORIGINS); "*" (development only, refused in production by the config) never
// with credentials. No origins: no CORS headers at all.
import fp from 'fastify-plugin';
import fastifyCors from '@fastify/cors';

export interface CorsOptions {
  allowedOrigins: string[];
}

export const corsPlugin = fp<CorsOptions>(
  async (app, { allowedOrigins }) => {
    if (!allowedOrigins.length) return;
    const wildcard = allowedOrigins.includes('*');
    await app.register(fastifyCors, {
      origin: wildcard ? '*' : allowedOrigins,
      credentials: !wildcard,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
      maxAge: 600,
    });
  },
  { name: 'esp-cors', fastify: '5.x' },
);
