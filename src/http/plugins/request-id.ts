// Every answer carries its request id (the client's X-Request-Id when well formed, else a new UUID: see the
// server's genReqId), so a client can quote it and the logs can be searched for it.
import fp from 'fastify-plugin';

export const requestIdPlugin = fp(
  (app, _opts, done) => {
    // Callback style on purpose: an async hook costs a promise and a microtask turn on every request.
    app.addHook('onRequest', (req, reply, next) => {
      reply.header('x-request-id', req.id);
      next();
    });
    done();
  },
  { name: 'esp-request-id', fastify: '5.x' },
);
