// Device messages refused at the door (unparsable, invalid, out of scope): kept for the operator to inspect.
import { toIso } from './values.js';
import type { SqlExecutor } from './sql.js';

type Row = Record<string, unknown>;

export interface RejectedMessage {
  transport: string;
  source: string | null;
  reason: string;
  payload: string | null;
}

export interface StoredRejected extends RejectedMessage {
  id: number;
  received_at: string;
}

export interface RejectedRepository {
  insertRejected(items: RejectedMessage[]): Promise<void>;
  listRejected(limit: number): Promise<StoredRejected[]>;
}

export class SqlRejectedRepository implements RejectedRepository {
  constructor(private readonly db: SqlExecutor) {}

  async insertRejected(items: RejectedMessage[]): Promise<void> {
    if (!items.length) return;
    const params: unknown[] = [];
    const values = items.map((it, i) => {
      params.push(it.transport, it.source, it.reason, it.payload === null ? null : it.payload.slice(0, 65_536));
      return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`;
    });
    await this.db.query(
      `INSERT INTO rejected_messages (transport, source, reason, payload) VALUES ${values.join(', ')}`,
      params,
    );
  }

  async listRejected(limit: number): Promise<StoredRejected[]> {
    const r = await this.db.query<Row>('SELECT * FROM rejected_messages ORDER BY id DESC LIMIT $1', [limit]);
    return r.rows.map((x) => ({
      id: Number(x.id),
      received_at: toIso(x.received_at),
      transport: String(x.transport),
      source: (x.source as string | null) ?? null,
      reason: String(x.reason),
      payload: (x.payload as string | null) ?? null,
    }));
  }
}
