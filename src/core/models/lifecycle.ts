// Which models are deprecated or retired, as data. A retired model answers 404 for every request,
// and the SDK prints a deprecation warning on *every* request to a deprecated one — thousands of
// lines through a progress bar. Floorline says it once, before anything is sent, from this table.
// Source: the SDK's own list (`internal/data/deprecated-models` in @anthropic-ai/sdk 1.15, and the
// dates 1.12 carried for the models 1.15 dropped as retired). Dated ids follow their alias.
import { Pricing } from '../pricing/pricing';

interface ModelRetirement {
  /** The day the model stops answering (UTC, `YYYY-MM-DD`): from then on every request is a 404. */
  endOfLife: string;
}

const RETIREMENTS: ReadonlyMap<string, ModelRetirement> = new Map([
  ['claude-mythos-preview', { endOfLife: '2026-06-30' }],
  ['claude-sonnet-4-5', { endOfLife: '2026-11-30' }],
  ['claude-opus-4-5', { endOfLife: '2027-01-22' }],
]);

export type ModelStatus =
  | { kind: 'current' }
  | { kind: 'deprecated'; endOfLife: string }
  | { kind: 'retired'; endOfLife: string };

/** Where a model stands on `now`. Unknown models are `current`: the API is the judge of those. */
export function modelStatus(model: string, now: Date = new Date()): ModelStatus {
  // A Map, not an object: a model named `constructor` must not find a prototype property.
  const entry = RETIREMENTS.get(model) ?? RETIREMENTS.get(Pricing.aliasOf(model));
  if (!entry) return { kind: 'current' };
  // End of life is the whole day: a model retiring on the 30th still answers on the 30th.
  const retiresAt = Date.parse(`${entry.endOfLife}T00:00:00Z`) + 24 * 3600_000;
  return now.getTime() >= retiresAt ? { kind: 'retired', endOfLife: entry.endOfLife } : { kind: 'deprecated', endOfLife: entry.endOfLife };
}

/** `2026-11-30` → `30 Nov 2026`: unambiguous in every locale. */
export function formatEndOfLife(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}
