// Field-scoped device keys need the field of each well they write. The composition root keeps a full
// well → field map refreshed every minute; this overlay holds what was read from storage since (wells
// registered or moved after the last refresh, by any process), and wins over the map.
import type { SecurityRepository } from '../storage/security-repository.js';

const MAX_ENTRIES = 100_000;

export class WellFieldOverlay {
  private readonly fields = new Map<string, string | null>();

  constructor(private readonly store: Pick<SecurityRepository, 'fieldsOf'>) {}

  /** The overlay's answer, else `base`'s. */
  fieldOf(base: (wellId: string) => string | null | undefined): (wellId: string) => string | null | undefined {
    return (wellId) => (this.fields.has(wellId) ? this.fields.get(wellId) : base(wellId));
  }

  /** Reads the field of these wells from storage now (before a field-scoped key's write is judged). */
  async learn(wellIds: string[]): Promise<void> {
    const found = await this.store.fieldsOf(wellIds);
    if (this.fields.size > MAX_ENTRIES) this.fields.clear();
    for (const id of wellIds) this.fields.set(id, found.get(id) ?? null);
  }

  /** The full map was just refreshed: nothing here is newer. */
  clear(): void {
    this.fields.clear();
  }
}
