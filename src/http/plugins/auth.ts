// Authentication and permission check for every route of the scope it is registered in (the /api/v1 scope),
// attached to each route as it is declared: a route says what it needs with `config.permission` (absent means
// `read`; `public` routes get no hook). Other plugins of the scope that need the principal declare this one
// as a dependency, so their route hooks come after it.
import type { onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AuthenticationError, AuthorizationError } from '../../domain/errors.js';
import { can, type Principal } from '../../domain/identity.js';
import type { Authenticator } from '../../security/authenticator.js';
import { credentialOf } from '../auth.js';
import { addRouteHook } from './route-hooks.js';

export interface AuthOptions {
  authenticator: Pick<Authenticator, 'resolve'>;
}

export const AUTH_PLUGIN = 'esp-auth';

function refusal(principal: Principal, permission: string): AuthorizationError {
  return new AuthorizationError(`Role ${principal.role} may not ${permission.replace('_', ' ')}`, {
    required: permission,
    role: principal.role,
  });
}

export const authPlugin = fp<AuthOptions>(
  (app, { authenticator }, done) => {
    app.decorateRequest('principal', null);
    // Callback style: one promise (the resolver's) per request, no async wrapper around it.
    const authenticate: onRequestHookHandler = (req, _reply, next) => {
      const credential = credentialOf(req);
      if (!credential) return next(new AuthenticationError('Missing credentials: send Authorization: Bearer <key> or X-API-Key'));
      authenticator.resolve(credential).then((principal) => {
        if (!principal) return next(new AuthenticationError('Invalid or expired credentials'));
        req.principal = principal;
        const permission = req.routeOptions.config.permission ?? 'read';
        next(permission === 'public' || can(principal, permission) ? undefined : refusal(principal, permission));
      }, next);
    };
    // Every route of the scope but the public ones.
    app.addHook('onRoute', (route) => {
      if (route.config?.permission !== 'public') addRouteHook(route, 'onRequest', authenticate);
    });
    done();
  },
  { name: AUTH_PLUGIN, fastify: '5.x' },
);
