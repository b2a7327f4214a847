// Well registry with nameplate; the fleet list carries each well's current diagnosis and latest reading.
import type { Static } from 'typebox';
import { NotFoundError } from '../../domain/errors.js';
import type { Severity } from '../../domain/diagnosis.js';
import type { FleetWell } from '../../storage/repository.js';
import { NameplateSchema, WellInputSchema } from '../../domain/validation.js';
import type { AppContext } from '../context.js';
import { WellParams } from '../params.js';
import { errorResponses, OrSerialised } from '../schemas/common.js';
import {
  SparklineQuery,
  SparklinesResponse,
  WellListQuery,
  WellDeletedResponse,
  WellListResponse,
  WellResponse,
  WellWrittenResponse,
  type WireFleetWell,
} from '../schemas/wells.js';
import type { TypedApp } from './typed.js';

/** Storage types the stored forecast's channel as text; what it stores is always one of TREND_CHANNELS. */
const wire = (w: FleetWell): WireFleetWell => w as WireFleetWell;

/** The sparklines' window: `hours` whole hours up to the end of the current one. */
function lastHours(hours: number): { from: number; to: number } {
  const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  return { from: to - hours * 3_600_000, to };
}

/** Routes under /api/v1/wells. */
export async function wellRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['wells'],
        summary: 'Register a well with its nameplate',
        body: WellInputSchema,
        response: { 201: WellWrittenResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { well_id, ...nameplate } = req.body;
      const well = await ctx.repo.createWell(well_id, nameplate);
      ctx.bus.emit('well.changed', { change: 'saved', well });
      await ctx.fleet?.invalidate();
      return reply.status(201).send({ success: true, well });
    },
  );

  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags: ['wells'],
        summary: 'The fleet: wells with current status and latest reading',
        querystring: WellListQuery,
        response: { 200: OrSerialised(WellListResponse), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      if (ctx.fleet) {
        const key = JSON.stringify([q.field ?? null, q.severity ?? null, q.q ?? null, q.limit ?? 1000, q.offset ?? 0, q.include ?? null, q.sort ?? null]);
        const body = await ctx.fleet.read(key, async () => JSON.stringify(await fleetList(q)));
        return reply.type('application/json; charset=utf-8').send(body);
      }
      return fleetList(q);
    },
  );

  /** The fleet list as the API returns it (the cache keeps its serialised form). */
  async function fleetList(q: Static<typeof WellListQuery>) {
    const { total, wells } = await ctx.repo.listWells({
      field: q.field,
      severity: q.severity as Severity | undefined,
      q: q.q,
      limit: q.limit ?? 1000,
      offset: q.offset ?? 0,
      sort: q.sort,
    });
    if (q.include?.split(',').includes('sparkline') && wells.length) {
      const lines = await ctx.repo.flowSparklines(wells.map((w) => w.well_id), lastHours(24), 3600);
      return { success: true, count: wells.length, total, wells: wells.map((w) => ({ ...wire(w), sparkline: lines.get(w.well_id) ?? [] })) };
    }
    return { success: true, count: wells.length, total, wells: wells.map(wire) };
  }

  app.get(
    '/:id',
    {
      schema: {
        tags: ['wells'],
        summary: 'One well with nameplate, status and latest reading',
        params: WellParams,
        response: { 200: WellResponse, ...errorResponses },
      },
    },
    async (req) => {
      const well = await ctx.repo.getWell(req.params.id);
      if (!well) throw new NotFoundError(`Unknown well ${req.params.id}`, { well_id: req.params.id });
      return { success: true, well: wire(well) };
    },
  );

  app.put(
    '/:id',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['wells'],
        summary: 'Create or replace a well’s nameplate',
        description: 'Fields left out are cleared (the engine then uses the learned baseline or defaults).',
        params: WellParams,
        body: NameplateSchema,
        response: { 200: WellWrittenResponse, 201: WellWrittenResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { well, created } = await ctx.repo.putWell(req.params.id, req.body);
      ctx.bus.emit('well.changed', { change: 'saved', well });
      await ctx.fleet?.invalidate();
      return reply.status(created ? 201 : 200).send({ success: true, well });
    },
  );

  app.delete(
    '/:id',
    {
      config: { permission: 'manage_wells' },
      schema: {
        tags: ['wells'],
        summary: 'Delete a well and everything recorded for it',
        params: WellParams,
        response: { 200: WellDeletedResponse, ...errorResponses },
      },
    },
    async (req) => {
      await ctx.diagnosis.forgetWell(req.params.id);
      await ctx.runEvents.forgetWell(req.params.id);
      if (!(await ctx.repo.deleteWell(req.params.id))) {
        throw new NotFoundError(`Unknown well ${req.params.id}`, { well_id: req.params.id });
      }
      ctx.bus.emit('well.changed', { change: 'deleted', wellId: req.params.id });
      // The caches forget the well before the client gets its answer (the next read goes to storage).
      await ctx.latest?.delete(req.params.id).catch((err: unknown) => req.log.warn({ err }, 'could not drop the well from the latest-reading cache'));
      await ctx.fleet?.invalidate();
      return { success: true, well_id: req.params.id, deleted: true };
    },
  );
}

/** Routes under /api/v1/fleet. */
export async function fleetRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  // The fleet page asks for the list first (rows show at once) and for the sparklines after: on the embedded
  // store with 10 000 wells the list takes ~0.2 s and the sparklines ~0.35 s.
  app.get(
    '/sparklines',
    {
      schema: {
        tags: ['wells'],
        summary: 'Hourly average flow of every well (of a field) over the last hours, for the fleet sparklines',
        querystring: SparklineQuery,
        response: { 200: OrSerialised(SparklinesResponse), ...errorResponses },
      },
    },
    async (req, reply) => {
      const hours = req.query.hours ?? 24;
      const field = req.query.field;
      const load = async () => {
        const { from, to } = lastHours(hours);
        const lines = await ctx.repo.flowSparklines(await ctx.repo.wellIds(field), { from, to }, 3600);
        return JSON.stringify({
          success: true,
          hours,
          bucket_seconds: 3600,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          sparklines: Object.fromEntries(lines),
        });
      };
      const body = ctx.fleet ? await ctx.fleet.read(JSON.stringify(['sparklines', hours, field ?? null]), load) : await load();
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
