// Early warning and run life (ESP-DIAGNOSTICS.md section 6): a well's reference period, its pump events, its
// time-to-limit forecast, and the fleet's run-life statistics. Shapes: src/domain/surveillance.ts.
import type { FastifyInstance } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import {
  FORECAST_MODELS,
  PUMP_EVENT_TYPES,
  RELIABILITY_GROUPS,
  TREND_CHANNELS,
  type PumpEventType,
  type ReferencePeriod,
  type ReliabilityGroupBy,
} from '../../domain/surveillance.js';
import type { FleetWell } from '../../storage/repository.js';
import type { AppContext } from '../context.js';
import { WellParams } from '../params.js';

const literals = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date-time with zone' });

const ReferenceSchema = Type.Object({ from: IsoTime, to: IsoTime, source: literals(['engineer', 'auto'] as const) });
const ReferenceResponse = Type.Object({ success: Type.Boolean(), well_id: Type.String(), reference: Nullable(ReferenceSchema) });
const ReferenceBody = Type.Object({ from: IsoTime, to: IsoTime }, { additionalProperties: false });

const PumpEventSchema = Type.Object({
  id: Type.Integer(),
  well_id: Type.String(),
  type: literals(PUMP_EVENT_TYPES),
  at: IsoTime,
  pump_model: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  source: literals(['manual', 'detected'] as const),
  created_at: IsoTime,
});
const EventBody = Type.Object(
  {
    type: literals(PUMP_EVENT_TYPES),
    at: IsoTime,
    pump_model: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);
const EventsQuery = Type.Object({
  from: Type.Optional(IsoTime),
  to: Type.Optional(IsoTime),
  type: Type.Optional(Type.String({ maxLength: 200, description: 'one event type or several, comma separated' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});

const Estimate = Type.Object({ value: Type.Number(), low: Type.Number(), high: Type.Number() });
const ForecastPoint = Type.Object({ at: IsoTime, value: Type.Number(), low: Type.Number(), high: Type.Number() });
const ForecastResponse = Type.Object({
  success: Type.Boolean(),
  well_id: Type.String(),
  generated_at: IsoTime,
  horizon_days: Type.Number(),
  channels: Type.Array(
    Type.Object({
      channel: literals(TREND_CHANNELS),
      value_now: Type.Number(),
      slope_per_day: Type.Number(),
      slope_per_day_low: Type.Number(),
      slope_per_day_high: Type.Number(),
      limit: Type.Number(),
      limit_source: literals(['nameplate', 'default'] as const),
      time_to_limit_days: Nullable(Type.Number()),
      time_to_limit_low_days: Nullable(Type.Number()),
      time_to_limit_high_days: Nullable(Type.Number()),
      model: literals(FORECAST_MODELS),
      significant: Type.Boolean(),
      points: Type.Array(ForecastPoint),
    }),
  ),
  warnings: Type.Array(
    Type.Object({
      code: Type.String(),
      channel: literals(TREND_CHANNELS),
      expected_at: IsoTime,
      lead_days: Type.Number(),
      confidence: Type.Number(),
      message: Type.String(),
      evidence: Type.Array(Type.Unknown()),
    }),
  ),
});
const ForecastQuery = Type.Object({
  horizon_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30, description: 'days ahead (default 30)' })),
});

const ReliabilityQuery = Type.Object({
  group_by: Type.Optional(Type.Union(RELIABILITY_GROUPS.map((g) => Type.Literal(g)), { default: 'pump_model' })),
});
const ReliabilityResponse = Type.Object({
  success: Type.Boolean(),
  group_by: literals(RELIABILITY_GROUPS),
  generated_at: IsoTime,
  groups: Type.Array(
    Type.Object({
      group: Type.String(),
      installs: Type.Integer(),
      failures: Type.Integer(),
      censored: Type.Integer(),
      run_lives: Type.Array(
        Type.Object({ well_id: Type.String(), install_at: IsoTime, end_at: Nullable(IsoTime), days: Type.Number(), failed: Type.Boolean() }),
      ),
      kaplan_meier: Type.Array(
        Type.Object({
          t_days: Type.Number(),
          survival: Type.Number(),
          low: Type.Number(),
          high: Type.Number(),
          at_risk: Type.Integer(),
          events: Type.Integer(),
        }),
      ),
      weibull: Nullable(Type.Object({ shape: Estimate, scale_days: Estimate })),
      mtbf_days: Nullable(Estimate),
      survival_365: Nullable(Estimate),
      trips_per_month: Nullable(Type.Number()),
    }),
  ),
});

export async function surveillanceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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

  app.get<{ Params: Static<typeof WellParams> }>(
    '/api/v1/wells/:id/reference',
    {
      schema: {
        tags: ['early warning'],
        summary: 'The well’s reference period (the engineer’s, or the one learned from its first settled healthy days)',
        params: WellParams,
        response: { 200: ReferenceResponse },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      return { success: true, well_id: req.params.id, reference: await currentReference(req.params.id, well) };
    },
  );

  app.put<{ Params: Static<typeof WellParams>; Body: Static<typeof ReferenceBody> }>(
    '/api/v1/wells/:id/reference',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['early warning'],
        summary: 'Name the well’s reference period (healthy days slow degradation is judged against)',
        params: WellParams,
        body: ReferenceBody,
        response: { 200: ReferenceResponse },
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

  app.delete<{ Params: Static<typeof WellParams> }>(
    '/api/v1/wells/:id/reference',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['early warning'],
        summary: 'Forget the engineer’s reference period: back to the learned one (returned)',
        params: WellParams,
        response: { 200: ReferenceResponse },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      await ctx.repo.clearReference(req.params.id, 'engineer');
      return { success: true, well_id: req.params.id, reference: await currentReference(req.params.id, well) };
    },
  );

  app.post<{ Params: Static<typeof WellParams>; Body: Static<typeof EventBody> }>(
    '/api/v1/wells/:id/events',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['run life'],
        summary: 'Record a pump event (install, start, stop, trip, pull, failure)',
        description: 'An install starts a run (and a new automatic reference); a failure ends it as failed, a pull as censored.',
        params: WellParams,
        body: EventBody,
        response: { 201: Type.Object({ success: Type.Boolean(), event: PumpEventSchema }) },
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

  app.get<{ Params: Static<typeof WellParams>; Querystring: Static<typeof EventsQuery> }>(
    '/api/v1/wells/:id/events',
    {
      schema: {
        tags: ['run life'],
        summary: 'The well’s pump events, posted and detected (trips and restarts seen in the data), oldest first',
        description: 'The newest `limit` events in [from, to) when more match.',
        params: WellParams,
        querystring: EventsQuery,
        response: { 200: Type.Object({ success: Type.Boolean(), well_id: Type.String(), events: Type.Array(PumpEventSchema) }) },
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

  app.get<{ Params: Static<typeof WellParams>; Querystring: Static<typeof ForecastQuery> }>(
    '/api/v1/wells/:id/forecast',
    {
      schema: {
        tags: ['early warning'],
        summary: 'Time-to-limit forecast from the last 60 days (significant trends heading towards a limit)',
        description:
          'Computed from the hourly roll-up as of the newest reading and stored: the fleet list carries each well’s earliest expected limit.',
        params: WellParams,
        querystring: ForecastQuery,
        response: { 200: ForecastResponse },
      },
    },
    async (req) => {
      const well = await wellOr404(req.params.id);
      const forecast = await ctx.surveillance.forecast(req.params.id, well, req.query.horizon_days ?? 30);
      return { success: true, ...forecast };
    },
  );

  app.get<{ Querystring: Static<typeof ReliabilityQuery> }>(
    '/api/v1/reliability',
    {
      schema: {
        tags: ['run life'],
        summary: 'Run life per pump model or field: Kaplan–Meier survival, Weibull fit, MTBF, survival at 365 days',
        description: 'Runs go from install to failure (failed) or pull (censored); pumps still running are censored now. Intervals are 95 %.',
        querystring: ReliabilityQuery,
        response: { 200: ReliabilityResponse },
      },
    },
    async (req) => {
      const report = await ctx.surveillance.reliability((req.query.group_by ?? 'pump_model') as ReliabilityGroupBy);
      return { success: true, ...report };
    },
  );
}
