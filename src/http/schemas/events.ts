// The live stream: text/event-stream frames (`event: reading|diagnosis|alarm|skipped|ping`, `data: <JSON>`).
import { Type } from 'typebox';

export const EventStreamResponse = {
  description: 'A text/event-stream of `event: reading | diagnosis | alarm | skipped | ping` frames with JSON `data`',
  content: { 'text/event-stream': { schema: Type.String() } },
};

// ---- requests: the stream's filters and credential

export const EventStreamQuery = Type.Object({
  well_id: Type.Optional(Type.String({ maxLength: 64 })),
  types: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated: reading,diagnosis,alarm (default all)' })),
  access_token: Type.Optional(Type.String({ maxLength: 4096, description: 'credential, for EventSource which cannot set headers' })),
});
