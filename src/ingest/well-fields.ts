// The well → field map that device keys scoped to a field are judged against (HTTP, MQTT and import all ask
// it): the only one. Loaded in full at start and every minute (wells registered or moved by another process),
// kept current by this process's own well changes through the event bus, and told the wells a field-scoped
// key names before its write is judged (`learn`), so a well registered elsewhere a moment ago counts.
import type { WellChanged } from '../domain/events.js';
import type { WellRepository } from '../storage/repository.js';

export class WellFieldMap {
  private readonly fields = new Map<string, string | null>();

  constructor(private readonly repo: Pick<WellRepository, 'listWells' | 'fieldsOf'>) {}

  /** The well's field; null for a well without one; undefined for a well not known (yet). */
  readonly fieldOf = (wellId: string): string | null | undefined => this.fields.get(wellId);

  /** Reloads every well's field from storage. */
  async refresh(): Promise<void> {
    const { wells } = await this.repo.listWells({ limit: 1_000_000, offset: 0 });
    this.fields.clear();
    for (const w of wells) this.fields.set(w.well_id, w.field);
  }

  /** Reads these wells' fields from storage now (a well no longer stored becomes unknown). */
  async learn(wellIds: string[]): Promise<void> {
    const found = await this.repo.fieldsOf(wellIds);
    for (const id of wellIds) {
      const field = found.get(id);
      if (field === undefined) this.fields.delete(id);
      else this.fields.set(id, field);
    }
  }

  /** A well of this process was saved or deleted (the `well.changed` event). */
  changed(e: WellChanged): void {
    if (e.change === 'saved') this.fields.set(e.well.well_id, e.well.field);
    else this.fields.delete(e.wellId);
  }
}
