// Early warning and run life (ESP-DIAGNOSTICS.md section 6): a well's reference period, its pump events, its
// time-to-limit forecast, and the fleet's run-life statistics. Shapes: src/domain/surveillance.ts, served as
// src/http/schemas/surveillance.ts describes.
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import {
  PUMP_EVENT_TYPES,
  type PumpEventType,
  type ReferencePeriod,
  type ReliabilityGroupBy,
} from '../../domain/surveillance.js';
import type { FleetWell } from '../../storage/repository.js';
import type { AppContext } from '../context.js';
import { WellParams } from '../params.js';
import { errorResponses } from '../schemas/common.js';
import {
  EventBody,
  EventsQuery,
  ForecastQuery,
  ForecastResponse,
  PumpEventResponse,
  PumpEventsResponse,
  ReferenceBody,
  ReferenceResponse,
  ReliabilityQuery,
  ReliabilityResponse,
} from '../schemas/surveillance.js';
import type { TypedApp } from './typed.js';

/** Routes under /api/v1/wells/:id: reference period, pump events, forecast. */
export async function wellSurveillanceRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const skew = () => ctx.config.telemetry.maxFutureSkewMs;

  async function wellOr404(id: string): Promise<FleetWell> {
    const well = await ctx.repo.getWell(id);
    if (!well) throw new NotFoundError(`Unknown well ${id}`, { well_id: id });
    return well;
  }

  /** A time in the body or query: from 1970 on (the stores' range) and, for facts, not in the future beyond the skew. */
  function instant(value: string, field: string, past = true): number {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw new ValidationError(`Invalid ${field}`, [{ field, reason: 'must be an ISO 8601 date-time with zone' }]);
    if (ms < 0) throw new ValidationError(`Invalid ${field}: before 1970`, [{ field, reason: 'must be 1970-01-01 or later' }]);
    if (past && ms > Date.now() + skew()) {
      throw new ValidationError(`Invalid ${field}: in the future`, [{ field, reason: 'must not be in the future (beyond the allowed clock skew)' }]);
    }
    return ms;
  }
  const pastInstant = (value: string, field: string) => instant(value, field);

  async function currentReference(id: string, well: FleetWell): Promise<ReferencePeriod | null> {
    return (await ctx.surveillance.reference(id, well))?.period ?? null;
  }

  app.get(
    '/:id/reference',
    {
      schema: {
        tags: ['early warning'],
        summary: 'The well’s reference period (the engineer’s, or the one learned from its first settled healthy days)',
        params: WellParams,
        response: { 200: ReferenceResponse, ...errorResponses },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      return { success: true, well_id: req.params.id, reference: await currentReference(req.params.id, well) };
    },
  );

  app.put(
    '/:id/reference',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['early warning'],
        summary: 'Name the well’s reference period (healthy days slow degradation is judged against)',
        params: WellParams,
        body: ReferenceBody,
        response: { 200: ReferenceResponse, ...errorResponses },
      },
    },
    async (req) => {
      const from = pastInstant(req.body.from, 'from');
      const to = pastInstant(req.body.to, 'to');
      if (from >= to) throw new ValidationError('Invalid reference period: from must be before to', [{ field: 'from', reason: 'must be before to' }]);
      const well = await wellOr404(req.params.id);
      const stored = await ctx.surveillance.setEngineerReference(req.params.id, well, from, to, req.principal?.name ?? null);
      return { success: true, well_id: req.params.id, reference: stored.period };
    },
  );

  app.delete(
    '/:id/reference',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['early warning'],
        summary: 'Forget the engineer’s reference period: back to the learned one (returned)',
        params: WellParams,
        response: { 200: ReferenceResponse, ...errorResponses },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      await ctx.repo.clearReference(req.params.id, 'engineer');
      return { success: true, well_id: req.params.id, reference: await currentReference(req.params.id, well) };
    },
  );

  app.post(
    '/:id/events',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['run life'],
        summary: 'Record a pump event (install, start, stop, trip, pull, failure)',
        description: 'An install starts a run (and a new automatic reference); a failure ends it as failed, a pull as censored.',
        params: WellParams,
        body: EventBody,
        response: { 201: PumpEventResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const at = pastInstant(req.body.at, 'at');
      await wellOr404(req.params.id);
      const event = await ctx.repo.insertPumpEvent({
        well_id: req.params.id,
        type: req.body.type,
        at,
        pump_model: req.body.pump_model ?? null,
        reason: req.body.reason ?? null,
      });
      if (event.type === 'install') await ctx.surveillance.installed(req.params.id);
      return reply.status(201).send({ success: true, event });
    },
  );

  app.get(
    '/:id/events',
    {
      schema: {
        tags: ['run life'],
        summary: 'The well’s pump events, posted and detected (trips and restarts seen in the data), oldest first',
        description: 'The newest `limit` events in [from, to) when more match.',
        params: WellParams,
        querystring: EventsQuery,
        response: { 200: PumpEventsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      let types: PumpEventType[] | undefined;
      if (q.type !== undefined) {
        types = q.type.split(',').map((t) => t.trim()) as PumpEventType[];
        const bad = types.find((t) => !(PUMP_EVENT_TYPES as readonly string[]).includes(t));
        if (bad !== undefined) {
          throw new ValidationError(`Invalid type: ${bad}`, [{ field: 'type', reason: `must be one of ${PUMP_EVENT_TYPES.join(', ')}` }]);
        }
      }
      const from = q.from === undefined ? undefined : instant(q.from, 'from', false);
      const to = q.to === undefined ? undefined : Math.min(instant(q.to, 'to', false), Date.UTC(9999, 0, 1));
      if (from !== undefined && to !== undefined && from >= to) {
        throw new ValidationError('Invalid range', [{ field: 'from', reason: 'must be before to' }]);
      }
      await wellOr404(req.params.id);
      const events = await ctx.repo.listPumpEvents({ well_id: req.params.id, from, to, types, limit: q.limit ?? 1000 });
      return { success: true, well_id: req.params.id, events };
    },
  );

  app.get(
    '/:id/forecast',
    {
      schema: {
        tags: ['early warning'],
        summary: 'Time-to-limit forecast from the last 60 days (significant trends heading towards a limit)',
        description:
          'Computed from the hourly roll-up as of the newest reading and stored: the fleet list carries each well’s earliest expected limit.',
        params: WellParams,
        querystring: ForecastQuery,
        response: { 200: ForecastResponse, ...errorResponses },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      const forecast = await ctx.surveillance.forecast(req.params.id, well, req.query.horizon_days ?? 30);
      return { success: true, ...forecast };
    },
  );
}

/** The route at /api/v1/reliability. */
export async function reliabilityRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags: ['run life'],
        summary: 'Run life per pump model or field: Kaplan–Meier survival, Weibull fit, MTBF, survival at 365 days',
        description: 'Runs go from install to failure (failed) or pull (censored); pumps still running are censored now. Intervals are 95 %.',
        querystring: ReliabilityQuery,
        response: { 200: ReliabilityResponse, ...errorResponses },
      },
    },
    async (req) => {
      const report = await ctx.surveillance.reliability((req.query.group_by ?? 'pump_model') as ReliabilityGroupBy);
      return { success: true, ...report };
    },
  );
}
