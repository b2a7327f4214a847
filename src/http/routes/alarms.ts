// Alarms raised and cleared by the engine; people acknowledge them with a note.
import { Type } from 'typebox';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { AppContext } from '../context.js';
import { AckBody, AlarmIdParams, AlarmListQuery, AlarmListResponse, AlarmResponse } from '../schemas/alarms.js';
import { errorResponses } from '../schemas/common.js';
import type { TypedApp } from './typed.js';

/** Routes under /api/v1/alarms. */
export async function alarmRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags: ['alarms'],
        summary: 'Alarms, newest first, filtered by status, severity, well',
        querystring: AlarmListQuery,
        response: { 200: AlarmListResponse, ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const alarms = await ctx.repo.listAlarms({ status: q.status, severity: q.severity, well_id: q.well_id, limit: q.limit ?? 200 });
      return { success: true, count: alarms.length, alarms };
    },
  );

  app.get(
    '/:id',
    { schema: { tags: ['alarms'], summary: 'One alarm', params: AlarmIdParams, response: { 200: AlarmResponse, ...errorResponses } } },
    async (req) => {
      const alarm = await ctx.repo.getAlarm(req.params.id);
      if (!alarm) throw new NotFoundError(`Unknown alarm ${req.params.id}`);
      return { success: true, alarm };
    },
  );

  app.post(
    '/:id/ack',
    {
      config: { permission: 'ack' },
      schema: {
        tags: ['alarms'],
        summary: 'Acknowledge an active alarm with a note',
        params: AlarmIdParams,
        body: Type.Optional(AckBody),
        response: { 200: AlarmResponse, ...errorResponses },
      },
    },
    async (req) => {
      const by = req.principal?.name ?? 'unknown';
      const alarm = await ctx.repo.acknowledgeAlarm(req.params.id, by, req.body?.note ?? null);
      if (!alarm) {
        const existing = await ctx.repo.getAlarm(req.params.id);
        if (!existing) throw new NotFoundError(`Unknown alarm ${req.params.id}`);
        throw new ConflictError(`Alarm ${req.params.id} is ${existing.status}, not active`, { status: existing.status });
      }
      ctx.bus.emit('alarm.changed', { change: 'acknowledged', alarm });
      return { success: true, alarm };
    },
  );
}
