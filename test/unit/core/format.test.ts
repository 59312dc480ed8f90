import assert from 'node:assert/strict';
import { formatUsd, plural } from '../../../src/core/format';

describe('formatUsd: one rule for money everywhere', () => {
  it('shows dollars and cents from $1 up', () => {
    assert.equal(formatUsd(1), '$1.00');
    assert.equal(formatUsd(3.2), '$3.20');
    assert.equal(formatUsd(41.274), '$41.27');
    assert.equal(formatUsd(1234.5), '$1234.50');
  });

  it('shows three significant digits below $1, so amounts side by side carry the same precision', () => {
    // Before: $0.0099 next to $0.01 (for $0.0129) — one looked exact, the other rounded to the cent.
    assert.equal(formatUsd(0.0099), '$0.00990');
    assert.equal(formatUsd(0.0129), '$0.0129');
    assert.equal(formatUsd(0.01), '$0.0100');
    assert.equal(formatUsd(0.5), '$0.500');
    assert.equal(formatUsd(0.123456), '$0.123');
    assert.equal(formatUsd(0.00042), '$0.000420');
  });

  it('never rounds a non-zero amount to $0.00, and never writes an exponent', () => {
    assert.equal(formatUsd(0.00033299999999999996), '$0.000333');
    assert.equal(formatUsd(1e-7), '$0.000000100');
    assert.equal(formatUsd(0), '$0.00');
  });

  it('counts the digits after rounding: 0.009996 is $0.0100 and 0.9996 is $1.00', () => {
    assert.equal(formatUsd(0.009996), '$0.0100');
    assert.equal(formatUsd(0.99949), '$0.999');
    assert.equal(formatUsd(0.9996), '$1.00');
  });

  it('puts the sign before the dollar sign', () => {
    assert.equal(formatUsd(-0.0042), '-$0.00420');
    assert.equal(formatUsd(-2.5), '-$2.50');
  });
});

describe('plural', () => {
  it('is singular for exactly one and plural otherwise, zero included', () => {
    assert.equal(plural(1, 'request'), '1 request');
    assert.equal(plural(0, 'request'), '0 requests');
    assert.equal(plural(2, 'line'), '2 lines');
  });

  it('knows -y → -ies and -ch/-s/-x → -es, and takes an explicit plural', () => {
    assert.equal(plural(1, 'retry'), '1 retry');
    assert.equal(plural(3, 'retry'), '3 retries');
    assert.equal(plural(2, 'day'), '2 days');
    assert.equal(plural(2, 'batch'), '2 batches');
    assert.equal(plural(2, 'status'), '2 statuses');
    assert.equal(plural(2, 'person', { many: 'people' }), '2 people');
  });

  it('writes the number with the given format', () => {
    assert.equal(plural(12_500, 'request', { format: (n) => n.toLocaleString('en-US') }), '12,500 requests');
    assert.equal(plural(1, 'request', { format: (n) => `#${n}` }), '#1 request');
  });
});
