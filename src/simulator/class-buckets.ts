// The simulated API's rate-limit buckets, one set per model class as the real API keeps them: every
// Opus shares one set, every Sonnet another, every Haiku another (core's `ModelClasses` decides,
// so the mock and the dispatcher cannot disagree), and a request to one class never waits on, nor
// drains, another's.
//
// A class's buckets are made when it is first needed, yet behave as if they had existed since the
// server started: they are copied from `pristine`, a set that has followed every default limit and
// tenant load change but never served a request. So a server started `drained` whose first Haiku
// request comes a minute later finds Haiku a minute refilled, and a run of one class sees the same
// buckets whenever its first request comes. A class with limits of its own is made as soon as it
// has them (at start, or when `configure` gives them): `pristine` cannot tell how it would have
// evolved under other limits.
import { ModelClasses, type ModelClass } from '../core/models/model-class';
import { ApiBuckets } from './buckets';
import type { BucketLevels, InitialLevel, MockLimits, TenantLoad } from './types';

const LIMIT_NAMES: ReadonlyArray<keyof MockLimits> = ['requestsPerMinute', 'inputTokensPerMinute', 'outputTokensPerMinute'];

export interface ClassBucketsOptions {
  limits: MockLimits;
  initial?: InitialLevel | undefined;
  classLimits?: Readonly<Record<string, Partial<MockLimits>>> | undefined;
  tenantLoad?: TenantLoad | undefined;
}

export class ClassBuckets {
  private readonly classes = new ModelClasses();
  /** Every class that has buckets: seen by a request, or given limits of its own. */
  private readonly byClass = new Map<ModelClass, ApiBuckets>();
  /** Each class's own limits, over the defaults field by field. A Map: class names are user input. */
  private readonly overrides = new Map<ModelClass, Partial<MockLimits>>();
  /** What a class not yet seen would show now (see the file's head). */
  private readonly pristine: ApiBuckets;
  private defaults: MockLimits;
  /** The class of the most recent request checked against the buckets: `levels()`'s default. */
  private recent: ModelClass | undefined;

  constructor(
    options: ClassBucketsOptions,
    private readonly now: () => number,
  ) {
    this.defaults = { ...options.limits };
    this.pristine = ApiBuckets.create(this.defaults, options.initial, now);
    // `Object.entries`: own properties only, never the prototype's (class names are user input).
    const own = Object.entries(options.classLimits ?? {});
    this.check(own);
    for (const [modelClass, limits] of own) {
      this.overrides.set(modelClass, known(limits));
      this.byClass.set(modelClass, ApiBuckets.create(this.limitsOf(modelClass), options.initial, now));
    }
    if (options.tenantLoad) this.setTenantLoad(options.tenantLoad);
  }

  classOf(model: string): ModelClass {
    return this.classes.classOf(model);
  }

  /** The buckets a request to `modelClass` is admitted against and charged to; made on first use.
   *  The class becomes the one `levels()` shows by default. */
  use(modelClass: ModelClass): ApiBuckets {
    this.recent = modelClass;
    return this.of(modelClass);
  }

  /** The buckets to describe for `modelClass` (default: the most recent request's), made or not:
   *  reading never makes a class. */
  view(modelClass: ModelClass | undefined = this.recent): ApiBuckets {
    return (modelClass === undefined ? undefined : this.byClass.get(modelClass)) ?? this.pristine;
  }

  levels(modelClass?: ModelClass): BucketLevels {
    return this.view(modelClass).levels(this.now());
  }

  /** Every class that has buckets, by name. */
  classLevels(): Record<ModelClass, BucketLevels> {
    const t = this.now();
    // `fromEntries` defines own properties, so a class named `__proto__` stays a plain entry.
    return Object.fromEntries([...this.byClass].map(([modelClass, buckets]) => [modelClass, buckets.levels(t)]));
  }

  /** New default limits: for every class, each limit it has no override of its own for. */
  setDefaultLimits(limits: Partial<MockLimits>): void {
    const changed = known(limits);
    checkValues('limits', changed);
    this.defaults = { ...this.defaults, ...changed };
    this.pristine.setLimits(changed);
    for (const [modelClass, buckets] of this.byClass) {
      const own = this.overrides.get(modelClass) ?? {};
      buckets.setLimits(Object.fromEntries(Object.entries(changed).filter(([name]) => !Object.hasOwn(own, name))));
    }
  }

  /** Each entry merges into its class's own limits (made now if need be); `null` drops them, so the
   *  class follows the defaults again. All checked before anything changes. */
  setClassLimits(classLimits: Readonly<Record<string, Partial<MockLimits> | null>>): void {
    const entries = Object.entries(classLimits);
    this.check(entries.filter((e): e is [ModelClass, Partial<MockLimits>] => e[1] !== null));
    for (const [modelClass, limits] of entries) {
      if (limits === null) this.overrides.delete(modelClass);
      else this.overrides.set(modelClass, { ...this.overrides.get(modelClass), ...known(limits) });
      if (limits !== null || this.byClass.has(modelClass)) this.of(modelClass).setLimits(this.limitsOf(modelClass));
    }
  }

  /** Another tenant of the organisation, at these rates on every class's buckets. */
  setTenantLoad(load: TenantLoad): void {
    this.pristine.setTenantLoad(load);
    for (const buckets of this.byClass.values()) buckets.setTenantLoad(load);
  }

  private of(modelClass: ModelClass): ApiBuckets {
    let buckets = this.byClass.get(modelClass);
    if (buckets === undefined) {
      buckets = this.pristine.copy();
      buckets.setLimits(this.limitsOf(modelClass));
      this.byClass.set(modelClass, buckets);
    }
    return buckets;
  }

  private limitsOf(modelClass: ModelClass): MockLimits {
    return { ...this.defaults, ...this.overrides.get(modelClass) };
  }

  /** Class names as `classOf` gives them, limits known by name and positive: a model id where a
   *  class is meant would otherwise be a class no request ever reaches. */
  private check(entries: ReadonlyArray<[string, Partial<MockLimits>]>): void {
    for (const [name, limits] of entries) {
      const modelClass = this.classOf(name);
      if (modelClass !== name) throw new RangeError(`classLimits: "${name}" is a model, not a class; its class is "${modelClass}"`);
      const unknown = Object.keys(limits).filter((key) => !(LIMIT_NAMES as readonly string[]).includes(key));
      if (unknown.length) throw new RangeError(`classLimits.${name}: unknown limit "${unknown.join('", "')}" (known: ${LIMIT_NAMES.join(', ')})`);
      checkValues(`classLimits.${name}`, known(limits));
    }
  }
}

/** The limits a partial sets: the known ones, not `undefined` (which changes nothing, as in `ApiBuckets.setLimits`). */
function known(limits: Partial<MockLimits>): Partial<MockLimits> {
  return Object.fromEntries(LIMIT_NAMES.filter((name) => limits[name] !== undefined).map((name) => [name, limits[name]]));
}

/** Checked before anything changes, so a refused call leaves every class as it was. */
function checkValues(where: string, limits: Partial<MockLimits>): void {
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`${where}.${name} must be a finite number > 0, got ${String(value)}`);
  }
}
