// The live stream: text/event-stream frames (`event: reading|diagnosis|alarm|skipped|ping`, `data: <JSON>`).
import { Type } from 'typebox';

export const EventStreamResponse = {
  description: 'A text/event-stream of `event: reading | diagnosis | alarm | skipped | ping` frames with JSON `data`',
  content: { 'text/event-stream': { schema: Type.String() } },
};
