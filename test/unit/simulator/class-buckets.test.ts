// One set of buckets per model class, as the API keeps them: made on first use as if there since
// the start, with the default limits under each class's own, and observable without being made.
import assert from 'node:assert/strict';
import { ClassBuckets, type ClassBucketsOptions } from '../../../src/simulator/class-buckets';
import type { BucketLevels } from '../../../src/simulator/types';

/** A hand-driven clock: tests move time explicitly, never sleep. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

// 1 request, 1,000 input and 100 output tokens a second.
const LIMITS = { requestsPerMinute: 60, inputTokensPerMinute: 60_000, outputTokensPerMinute: 6_000 };
const FULL = { requests: 60, inputTokens: 60_000, outputTokens: 6_000 };

function setup(options: Partial<ClassBucketsOptions> = {}) {
  const c = clock();
  return { c, buckets: new ClassBuckets({ limits: LIMITS, ...options }, c.now) };
}

describe('simulator ClassBuckets', () => {
  it('keeps one set per class: charging Haiku leaves Sonnet full, and a dated id shares its alias\'s set', () => {
    const { buckets } = setup();
    const haiku = buckets.use(buckets.classOf('claude-haiku-4-5-20251001'));
    haiku.admit(10_000);
    assert.strictEqual(buckets.use(buckets.classOf('claude-haiku-4-5')), haiku, 'the alias draws on the dated id\'s set');
    assert.deepEqual(buckets.levels('sonnet'), FULL);
    assert.deepEqual(buckets.classLevels(), { haiku: { ...FULL, requests: 59, inputTokens: 50_000 } }, 'only classes used so far');
    assert.equal(buckets.use('sonnet').admissionError(1_000), null);
  });

  it('levels() shows the most recent request\'s class; reading a class never makes it', () => {
    const { buckets } = setup();
    assert.deepEqual(buckets.levels(), FULL, 'before any request: a class as it would start now');
    buckets.use('haiku').admit(5_000);
    buckets.use('sonnet').admit(1_000);
    assert.equal(buckets.levels().inputTokens, 59_000, 'sonnet, the most recent');
    buckets.use('haiku');
    assert.equal(buckets.levels().inputTokens, 55_000);
    assert.deepEqual(buckets.levels('opus'), FULL);
    assert.deepEqual(Object.keys(buckets.classLevels()), ['haiku', 'sonnet'], 'opus was only read');
  });

  it('a class first used late has refilled since the start, as if it had been there (drained start, tenant load)', () => {
    const { c, buckets } = setup({ initial: 'drained', tenantLoad: { inputPerSec: 400 } });
    c.advance(10_000);
    assert.deepEqual(buckets.use('haiku').levels(), { requests: 10, inputTokens: 6_000, outputTokens: 1_000 });
    c.advance(5_000);
    assert.deepEqual(buckets.levels('haiku'), { requests: 15, inputTokens: 9_000, outputTokens: 1_500 }, 'the tenant drains it too');
    assert.deepEqual(buckets.levels('sonnet'), buckets.levels('haiku'), 'an unused class reads the same');
  });

  it('classLimits: each class its own limits over the defaults, from the start, at the initial level', () => {
    const { buckets } = setup({ initial: 0.5, classLimits: { haiku: { requestsPerMinute: 600 } } });
    assert.deepEqual(buckets.classLevels(), { haiku: { requests: 300, inputTokens: 30_000, outputTokens: 3_000 } }, 'made at once');
    assert.equal(buckets.view('haiku').requests.limit, 600);
    assert.equal(buckets.view('haiku').input.limit, 60_000, 'the rest are the defaults');
    assert.equal(buckets.use('sonnet').requests.limit, 60);
  });

  it('new default limits reach every class except where it has its own; null gives a class back to the defaults', () => {
    const { buckets } = setup({ classLimits: { haiku: { requestsPerMinute: 600 } } });
    buckets.use('sonnet');
    buckets.setDefaultLimits({ requestsPerMinute: 30, outputTokensPerMinute: 3_000 });
    const limits = (modelClass: string) => {
      const b = buckets.view(modelClass);
      return [b.requests.limit, b.input.limit, b.output.limit];
    };
    assert.deepEqual(limits('haiku'), [600, 60_000, 3_000], 'haiku keeps its own RPM');
    assert.deepEqual(limits('sonnet'), [30, 60_000, 3_000]);
    assert.deepEqual(limits('opus'), [30, 60_000, 3_000], 'a class not yet made gets them when it is');

    buckets.setClassLimits({ sonnet: { inputTokensPerMinute: 1_000 } });
    assert.deepEqual(limits('sonnet'), [30, 1_000, 3_000], 'merged, one class only');
    assert.deepEqual(limits('haiku'), [600, 60_000, 3_000]);
    buckets.setClassLimits({ haiku: { outputTokensPerMinute: 9_000 } });
    assert.deepEqual(limits('haiku'), [600, 60_000, 9_000], 'merged into its earlier own limits');
    buckets.setClassLimits({ haiku: null });
    assert.deepEqual(limits('haiku'), [30, 60_000, 3_000]);
    buckets.setDefaultLimits({ requestsPerMinute: 20 });
    assert.deepEqual(limits('haiku'), [20, 60_000, 3_000], 'and follows them from then on');
  });

  it('configuring a class not yet seen makes it then, from where an unused class stands', () => {
    const { c, buckets } = setup({ initial: 'drained' });
    c.advance(30_000);
    buckets.setClassLimits({ opus: { requestsPerMinute: 6 } });
    assert.deepEqual(buckets.classLevels(), { opus: { requests: 6, inputTokens: 30_000, outputTokens: 3_000 } }, '30 requests clamped to the new 6');
  });

  it('refuses a model id for a class, an unknown limit or a limit ≤ 0, changing nothing', () => {
    const { buckets } = setup();
    const before = buckets.classLevels();
    assert.throws(() => buckets.setClassLimits({ sonnet: { requestsPerMinute: 5 }, 'claude-haiku-4-5': { requestsPerMinute: 5 } }), /"claude-haiku-4-5" is a model, not a class; its class is "haiku"/);
    assert.throws(() => buckets.setClassLimits({ haiku: { tokensPerDay: 5 } as never }), /unknown limit "tokensPerDay"/);
    assert.throws(() => buckets.setClassLimits({ haiku: { requestsPerMinute: 0 } }), /finite number > 0/);
    assert.deepEqual(buckets.classLevels(), before);
    assert.equal(buckets.view('sonnet').requests.limit, 60, 'the valid entry was not applied either');
    assert.throws(() => buckets.setDefaultLimits({ requestsPerMinute: 5, outputTokensPerMinute: -1 }), /limits\.outputTokensPerMinute must be a finite number > 0/);
    assert.equal(buckets.view('sonnet').requests.limit, 60, 'nor the valid default');
    assert.throws(() => new ClassBuckets({ limits: LIMITS, classLimits: { 'claude-opus-4-7': {} } }, () => 0), /its class is "opus"/);
  });

  it('class names are user input: `__proto__` and `constructor` are classes like any other', () => {
    const classLimits = JSON.parse('{"__proto__": {"requestsPerMinute": 7}}') as Record<string, { requestsPerMinute: number }>;
    const { buckets } = setup({ classLimits });
    buckets.use(buckets.classOf('constructor')).admit(0);
    const levels = buckets.classLevels();
    const own = (name: string) => Object.getOwnPropertyDescriptor(levels, name)?.value as BucketLevels | undefined;
    assert.deepEqual(Object.keys(levels), ['__proto__', 'constructor']);
    assert.equal(own('__proto__')?.requests, 7, 'an own entry, not the prototype');
    assert.equal(own('constructor')?.requests, 59);
  });
});
