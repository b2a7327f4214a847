// The dashboard's one HTTP client: the session's token on every call, one renewal on a 401 (then the session
// ends), credentials given per call for sign-in, the server's error contract as a typed ApiError, abort signals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, errorText, isAbort, request, setSessionCredentials } from '../../web/src/api.js';

interface Sent {
  url: string;
  method: string;
  authorization: string | null;
  body: unknown;
}

let sent: Sent[];
let replies: (() => Response)[];

function json(status: number, body: unknown): () => Response {
  return () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  sent = [];
  replies = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    init.signal?.throwIfAborted();
    const headers = new Headers(init.headers);
    sent.push({
      url,
      method: init.method ?? 'GET',
      authorization: headers.get('Authorization'),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = replies.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    return next();
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  setSessionCredentials({ token: () => null, renew: async () => false, ended: () => {} });
});

function session(initial: string, renewed: string | null) {
  let token = initial;
  const calls = { renew: 0, ended: 0 };
  setSessionCredentials({
    token: () => token,
    renew: async () => {
      calls.renew++;
      if (renewed === null) return false;
      token = renewed;
      return true;
    },
    ended: () => void calls.ended++,
  });
  return calls;
}

describe('API client', () => {
  it("sends the session's token and builds the query without empty values", async () => {
    session('tok-1', null);
    replies.push(json(200, { count: 0, alarms: [] }));
    await api.alarms({ status: 'active', severity: '', well_id: undefined, limit: 10 });
    expect(sent).toEqual([{ url: '/api/v1/alarms?status=active&limit=10', method: 'GET', authorization: 'Bearer tok-1', body: undefined }]);
  });

  it('renews the token once on a 401 and repeats the request with the new one', async () => {
    const calls = session('old', 'new');
    replies.push(json(401, { error: 'AuthenticationError', message: 'expired', error_code: 'AUTHENTICATION_ERROR', details: null }));
    replies.push(json(200, { well_id: 'W-1', events: [] }));
    const r = await api.events('W-1');
    expect(r.well_id).toBe('W-1');
    expect(sent.map((s) => s.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(calls).toEqual({ renew: 1, ended: 0 });
  });

  it('ends the session when the request is refused even after renewal', async () => {
    const calls = session('old', 'new');
    replies.push(json(401, { message: 'expired', error_code: 'AUTHENTICATION_ERROR' }));
    replies.push(json(401, { message: 'revoked', error_code: 'AUTHENTICATION_ERROR' }));
    const err = await api.well('W-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).code).toBe('AUTHENTICATION_ERROR');
    expect(calls).toEqual({ renew: 1, ended: 1 });
  });

  it('ends the session at once when there is nothing to renew', async () => {
    const calls = session('api-key', null);
    replies.push(json(401, { message: 'bad key', error_code: 'AUTHENTICATION_ERROR' }));
    await expect(api.well('W-1')).rejects.toMatchObject({ status: 401 });
    expect(sent).toHaveLength(1);
    expect(calls).toEqual({ renew: 1, ended: 1 });
  });

  it("turns the server's error body into an ApiError with its code, message and field details", async () => {
    session('tok', null);
    const details = {
      location: 'body',
      field: 'to',
      errors: [{ field: 'to', reason: 'must be after from' }],
    };
    replies.push(json(400, { error: 'ValidationError', message: 'Invalid body: to must be after from', error_code: 'VALIDATION_ERROR', details }));
    const err = (await api.setReference('W-1', '2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toBe('Invalid body: to must be after from');
    expect(err.details).toEqual(details);
    expect(err.field).toBe('to');
    expect(err.fieldErrors).toEqual([{ field: 'to', reason: 'must be after from' }]);
    expect(errorText(err)).toBe('Invalid body: to must be after from');
    expect(sent[0]!.body).toEqual({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  });

  it('names the status when the error response is not the API error body', async () => {
    session('tok', null);
    replies.push(() => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }));
    const err = (await api.reliability('field').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.code).toBeNull();
    expect(err.message).toBe('HTTP 502');
    expect(err.field).toBeNull();
    expect(err.fieldErrors).toEqual([]);
  });

  it('signs in without the session: no token sent, a 401 neither renews nor ends anything', async () => {
    const calls = session('stale', 'renewed');
    replies.push(json(401, { message: 'Invalid username or password', error_code: 'AUTHENTICATION_ERROR' }));
    await expect(api.login('ana', 'wrong')).rejects.toMatchObject({ status: 401, code: 'AUTHENTICATION_ERROR' });
    expect(sent).toEqual([{ url: '/api/v1/auth/login', method: 'POST', authorization: null, body: { username: 'ana', password: 'wrong' } }]);
    expect(calls).toEqual({ renew: 0, ended: 0 });
  });

  it('checks a given API key with that key only', async () => {
    const calls = session('session-token', 'renewed');
    replies.push(json(403, { message: 'Not allowed', error_code: 'AUTHORIZATION_ERROR' }));
    await expect(api.me(undefined, 'candidate-key')).rejects.toMatchObject({ status: 403 });
    replies.push(json(200, { wells: [] }));
    await request('GET', '/wells', { query: { limit: 1 }, auth: { bearer: 'candidate-key' } });
    expect(sent.map((s) => [s.url, s.authorization])).toEqual([
      ['/api/v1/auth/me', 'Bearer candidate-key'],
      ['/api/v1/wells?limit=1', 'Bearer candidate-key'],
    ]);
    expect(calls).toEqual({ renew: 0, ended: 0 });
  });

  it('passes the abort signal on; an aborted request is an abort, not an error to show', async () => {
    session('tok', null);
    const ac = new AbortController();
    ac.abort();
    const err = await api.wells(ac.signal).catch((e: unknown) => e);
    expect(isAbort(err)).toBe(true);
    expect(errorText(err)).toBe('');
    expect(sent).toHaveLength(0);
  });
});
