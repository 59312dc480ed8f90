// Which rate-limit buckets a model draws on, as data. The API keeps one set of RPM / ITPM / OTPM
// buckets per organisation and model *class*: every Opus 4.x and 5.x model shares one, every Sonnet
// another, every Haiku another, and a response's rate-limit headers describe its own class's
// buckets only. Requests to two classes do not compete. Dated ids follow their alias's class; a
// model this table does not know is a class of its own (the safe guess: it never borrows another
// class's room, up to 64 of them); users may name the class of any model (`overrides`).
import { Pricing } from '../pricing/pricing';

/** A model class's name: `opus`, `sonnet`, `haiku`, or a model's own alias for one not in the table. */
export type ModelClass = string;

/** The families whose generations 4 and 5 share one set of buckets. Checked in order, on the alias. */
const CLASS_PATTERNS: ReadonlyArray<{ pattern: RegExp; modelClass: ModelClass }> = [
  { pattern: /^claude-opus-[45](?:-|$)/, modelClass: 'opus' },
  { pattern: /^claude-sonnet-[45](?:-|$)/, modelClass: 'sonnet' },
  { pattern: /^claude-haiku-[45](?:-|$)/, modelClass: 'haiku' },
];

/**
 * Unknown models get a class each, up to this many; past it they share one. Each class costs the
 * dispatcher its own buckets, ceiling and timers: a file naming a million made-up models (hostile,
 * or generated) must not make a million of them. Real files name a handful.
 */
const MAX_OWN_CLASSES = 64;
/** Where unknown models go once `MAX_OWN_CLASSES` have their own. */
export const OTHER_MODELS_CLASS: ModelClass = 'other models';

export class ModelClasses {
  // A Map, not an object: model ids are user input (`constructor` must find nothing).
  private readonly overrides: ReadonlyMap<string, ModelClass>;
  /** Resolved once per model id: the admission loop asks for every line. */
  private readonly cache = new Map<string, ModelClass>();
  /** The unknown aliases given a class of their own so far. */
  private readonly ownClasses = new Set<string>();

  /** `overrides`: model id or alias → class name, over the table. */
  constructor(overrides: Readonly<Record<string, ModelClass>> = {}) {
    this.overrides = new Map(Object.entries(overrides));
  }

  classOf(model: string): ModelClass {
    let found = this.cache.get(model);
    if (found === undefined) {
      found = this.resolve(model);
      // Bounded: a file naming a million distinct models must not grow this without end.
      if (this.cache.size < 10_000) this.cache.set(model, found);
    }
    return found;
  }

  private resolve(model: string): ModelClass {
    const alias = Pricing.aliasOf(model);
    const override = this.overrides.get(model) ?? this.overrides.get(alias);
    if (override !== undefined) return override;
    for (const { pattern, modelClass } of CLASS_PATTERNS) if (pattern.test(alias)) return modelClass;
    if (this.ownClasses.has(alias)) return alias;
    if (this.ownClasses.size >= MAX_OWN_CLASSES) return OTHER_MODELS_CLASS;
    this.ownClasses.add(alias);
    return alias;
  }
}
