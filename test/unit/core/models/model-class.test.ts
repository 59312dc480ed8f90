// Which buckets a model draws on: the class table, dated ids, unknown models and user overrides.
import assert from 'node:assert/strict';
import { ModelClasses, OTHER_MODELS_CLASS } from '../../../../src/core/models/model-class';

describe('model classes', () => {
  const classes = new ModelClasses();

  it('Opus, Sonnet and Haiku 4.x and 5.x each share one class; dated ids follow their alias', () => {
    for (const m of ['claude-opus-4-5', 'claude-opus-4-7', 'claude-opus-5', 'claude-opus-5-5', 'claude-opus-4-5-20251101']) assert.equal(classes.classOf(m), 'opus', m);
    for (const m of ['claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-sonnet-5', 'claude-sonnet-4-5-20250929']) assert.equal(classes.classOf(m), 'sonnet', m);
    for (const m of ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'claude-haiku-5-5', 'claude-haiku-4-5-latest']) assert.equal(classes.classOf(m), 'haiku', m);
  });

  it('a model the table does not know is a class of its own (its alias), never another family', () => {
    assert.equal(classes.classOf('claude-fable-5'), 'claude-fable-5');
    assert.equal(classes.classOf('claude-fable-5-20261001'), 'claude-fable-5');
    assert.equal(classes.classOf('claude-3-opus-20240229'), 'claude-3-opus', 'an older generation is not Opus 4.x');
    assert.equal(classes.classOf('claude-opus-45'), 'claude-opus-45', 'a prefix is not a family');
  });

  it('hostile ids find no prototype property', () => {
    for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(classes.classOf(m), m);
    assert.equal(new ModelClasses({ __proto__: 'x' } as Record<string, string>).classOf('constructor'), 'constructor');
  });

  it('a file naming thousands of made-up models makes 64 classes, then one for the rest', () => {
    const fresh = new ModelClasses();
    const made = new Set(Array.from({ length: 5_000 }, (_, i) => fresh.classOf(`made-up-${i}`)));
    assert.equal(made.size, 65);
    assert.ok(made.has(OTHER_MODELS_CLASS));
    assert.equal(fresh.classOf('made-up-3'), 'made-up-3', 'the first ones keep their own');
    assert.equal(fresh.classOf('claude-haiku-4-5'), 'haiku', 'known families are never crowded out');
  });

  it('user overrides win, by exact id or by alias', () => {
    const custom = new ModelClasses({ 'claude-fable-5': 'opus', 'claude-haiku-4-5-20251001': 'special' });
    assert.equal(custom.classOf('claude-fable-5-20261001'), 'opus');
    assert.equal(custom.classOf('claude-haiku-4-5-20251001'), 'special');
    assert.equal(custom.classOf('claude-haiku-4-5'), 'haiku');
  });
});
