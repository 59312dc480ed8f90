import assert from 'node:assert/strict';
import { exact, percentOf, sentence, untilText } from '../../../../src/extension/view-model/text';

describe('view-model text', () => {
  it('places a share on a gauge: 0..100, one decimal, never NaN', () => {
    assert.equal(percentOf(1, 3), 33.3);
    assert.equal(percentOf(150, 100), 100);
    assert.equal(percentOf(-5, 100), 0);
    assert.equal(percentOf(5, 0), 0, 'no limit: nothing to draw against');
    assert.equal(percentOf(Number.NaN, 100), 0);
    assert.equal(percentOf(Number.POSITIVE_INFINITY, 100), 0);
  });

  it('counts exactly with thousands separators, whatever the locale', () => {
    assert.equal(exact(1234567.4), '1,234,567');
    assert.equal(exact(0), '0');
  });

  it('says when a bucket is full again', () => {
    assert.equal(untilText(1_000, 500), 'full', 'under a second is full already');
    assert.equal(untilText(47_000, 1_000), 'full in 46s');
  });

  it('joins only the parts that say something', () => {
    assert.equal(sentence(['a', undefined, false, '', 'b']), 'a · b');
    assert.equal(sentence([]), '');
  });
});
