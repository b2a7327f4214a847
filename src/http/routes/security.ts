// Login, token refresh, who-am-I; users and device keys (admin only); the audit log (admin only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError } from '../../domain/errors.js';
import type { AuditLog } from '../../security/audit.js';
import { publicKey, publicUser, type SecurityService } from '../../security/service.js';
import { credentialOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';
import { errorResponses } from '../schemas/common.js';
import {
  AuditListResponse,
  AuditQuery,
  CreateKeyBody,
  CreateUserBody,
  KeyParams,
  LoginBody,
  RefreshBody,
  UsernameParams,
  KeyCreatedResponse,
  KeyListResponse,
  KeyRevokedResponse,
  LogoutResponse,
  MeResponse,
  TokenResponse,
  UserCreatedResponse,
  UserDeletedResponse,
  UserListResponse,
} from '../schemas/security.js';
import { typed, type TypedApp } from './typed.js';

export interface SecurityRouteDeps {
  service: SecurityService;
  audit: AuditLog;
  /** Consulted before a login is checked (429 on floods of guesses). */
  loginLimit?: (req: FastifyRequest, reply: FastifyReply, username: string) => Promise<void>;
}

/**
 * The security routes, grouped by prefix: /api/v1/auth, /api/v1/users, /api/v1/keys, /api/v1/audit. Registered
 * by the security module, which owns the services they call.
 */
export async function securityRoutes(app: FastifyInstance, ctx: AppContext, deps: SecurityRouteDeps): Promise<void> {
  await app.register(async (scope) => authRoutes(typed(scope), ctx, deps), { prefix: '/api/v1/auth' });
  await app.register(async (scope) => userRoutes(typed(scope), deps), { prefix: '/api/v1/users' });
  await app.register(async (scope) => keyRoutes(typed(scope), deps), { prefix: '/api/v1/keys' });
  await app.register(async (scope) => auditRoutes(typed(scope), deps), { prefix: '/api/v1/audit' });
}

/** Routes under /api/v1/auth. */
async function authRoutes(app: TypedApp, ctx: AppContext, deps: SecurityRouteDeps): Promise<void> {
  const { service, audit } = deps;
  app.post(
    '/login',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a username and password for an access token and a refresh token',
        security: [],
        body: LoginBody,
        response: { 200: TokenResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      await deps.loginLimit?.(req, reply, username);
      const user = await service.checkLogin(username, password);
      if (!user) {
        metrics.authFailures.inc({ reason: 'login' });
        await audit.record(req, { action: 'auth.login_failed', actor: username, role: null, target: username, status: 401 });
        throw new AuthenticationError('Invalid username or password');
      }
      const tokens = await service.issueTokens(user);
      await audit.record(req, { action: 'auth.login', actor: user.username, role: user.role, target: user.username, status: 200 });
      return { success: true, ...tokens };
    },
  );

  app.post(
    '/refresh',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: a new access token and a new refresh token (the old one stops working)',
        description: 'Presenting a refresh token that was already rotated revokes every token descended from the same login.',
        security: [],
        body: RefreshBody,
        response: { 200: TokenResponse, ...errorResponses },
      },
    },
    async (req) => {
      const r = await service.refresh(req.body.refresh_token);
      if (!r.ok) {
        metrics.authFailures.inc({ reason: `refresh_${r.reason}` });
        if (r.reason === 'reused') {
          await audit.record(req, { action: 'auth.refresh_reuse', actor: r.username ?? null, role: null, target: r.username ?? null, status: 401, details: { family_revoked: true } });
        }
        throw new AuthenticationError('Invalid, expired or revoked refresh token');
      }
      await audit.record(req, { action: 'auth.refresh', actor: r.tokens.user.username, role: r.tokens.user.role, target: r.tokens.user.username, status: 200 });
      return { success: true, ...r.tokens };
    },
  );

  app.post(
    '/logout',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token and every token rotated from the same login',
        security: [],
        body: RefreshBody,
        response: { 200: LogoutResponse, ...errorResponses },
      },
    },
    async (req) => {
      const revoked = await service.logout(req.body.refresh_token);
      if (revoked) await audit.record(req, { action: 'auth.logout', actor: null, role: null, target: null, status: 200 });
      return { success: true, revoked };
    },
  );

  app.get(
    '/me',
    {
      // Any valid credential may ask who it is (device keys included), so the check is done here.
      config: { permission: 'public' },
      schema: { tags: ['auth'], summary: 'Who the credential belongs to', response: { 200: MeResponse, ...errorResponses } },
    },
    async (req) => {
      const credential = credentialOf(req);
      if (!credential) throw new AuthenticationError('Missing credentials: send Authorization: Bearer <key> or X-API-Key');
      const p = await ctx.authenticator.resolve(credential);
      if (!p) throw new AuthenticationError('Invalid or expired credentials');
      req.principal = p;
      return { success: true, user: { username: p.name, role: p.role } };
    },
  );
}

/** Routes under /api/v1/users. */
async function userRoutes(app: TypedApp, { service }: SecurityRouteDeps): Promise<void> {
  app.post(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'admin' },
      schema: { tags: ['users'], summary: 'Create a user (admin)', body: CreateUserBody, response: { 201: UserCreatedResponse, ...errorResponses } },
    },
    async (req, reply) => {
      const { username, password, role } = req.body;
      const user = await service.createUser(username, password, role);
      req.audit = { target: user.username, details: { username: user.username, role: user.role } };
      return reply.status(201).send({ success: true, user: publicUser(user) });
    },
  );

  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'admin' },
      schema: { tags: ['users'], summary: 'Users and their roles (admin)', response: { 200: UserListResponse, ...errorResponses } },
    },
    async () => {
      const users = (await service.listUsers()).map(publicUser);
      return { success: true, count: users.length, users };
    },
  );

  app.delete(
    '/:username',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Delete a user; their tokens stop working at once (admin)',
        params: UsernameParams,
        response: { 200: UserDeletedResponse, ...errorResponses },
      },
    },
    async (req) => {
      await service.deleteUser(req.params.username);
      req.audit = { target: req.params.username };
      return { success: true, username: req.params.username, deleted: true };
    },
  );

}

/** Routes under /api/v1/keys. */
async function keyRoutes(app: TypedApp, { service }: SecurityRouteDeps): Promise<void> {
  app.post(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Create a device key scoped to wells or a field (admin); the key is shown only in this response',
        body: CreateKeyBody,
        response: { 201: KeyCreatedResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { key, record } = await service.createKey({ ...req.body, createdBy: req.principal?.name ?? null });
      req.audit = { target: record.id, details: { id: record.id, name: record.name, wells: record.wells, field: record.field } };
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({
        success: true,
        key,
        id: record.id,
        name: record.name,
        role: record.role,
        wells: record.wells,
        field: record.field,
        created_at: record.created_at,
      });
    },
  );

  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'admin' },
      schema: { tags: ['keys'], summary: 'Device keys, without their secrets (admin)', response: { 200: KeyListResponse, ...errorResponses } },
    },
    async () => {
      const keys = (await service.listKeys()).map(publicKey);
      return { success: true, count: keys.length, keys };
    },
  );

  app.delete(
    '/:id',
    {
      config: { permission: 'admin' },
      schema: { tags: ['keys'], summary: 'Revoke a device key (admin)', params: KeyParams, response: { 200: KeyRevokedResponse, ...errorResponses } },
    },
    async (req) => {
      const rec = await service.revokeKey(req.params.id);
      req.audit = { target: rec.id, details: { id: rec.id, name: rec.name } };
      return { success: true, id: rec.id, name: rec.name, revoked: true, revoked_at: rec.revoked_at };
    },
  );

}

/** The route at /api/v1/audit. */
async function auditRoutes(app: TypedApp, { audit }: SecurityRouteDeps): Promise<void> {
  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first (admin)',
        querystring: AuditQuery,
        response: { 200: AuditListResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const entries = await audit.list({ limit: q.limit ?? 100, actor: q.actor, action: q.action, before: q.before });
      return { success: true, count: entries.length, entries };
    },
  );
}
