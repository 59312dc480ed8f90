import { strict as assert } from 'node:assert';
import type { SharedCoordinator } from '../../../../src/core/coordination/coordinator';
import { ApiStop } from '../../../../src/core/dispatch/api-stop';

describe('ApiStop (the stop that ends every run on a key)', () => {
  const coordinator = (): { told: string[]; c: SharedCoordinator } => {
    const told: string[] = [];
    return { told, c: { stopAll: async (why: string) => void told.push(why) } as unknown as SharedCoordinator };
  };

  it('keeps the first verdict: a later one is not logged and changes nothing', () => {
    const stop = new ApiStop(undefined);
    assert.equal(stop.stopped, false);
    assert.equal(stop.stop('authentication', 'the key was refused', 'invalid x-api-key'), 'the key was refused (API said: invalid x-api-key)');
    assert.equal(stop.stop('billing', 'no credit', 'credit balance too low'), undefined);
    assert.deepEqual([stop.stopped, stop.explanation], [true, 'the key was refused']);
  });

  it('stops every participant of a shared quota only on a verdict about the key, not when out of reach or told by another', () => {
    for (const [cause, shared] of [['authentication', true], ['unreachable', false], ['shared', false]] as const) {
      const { told, c } = coordinator();
      new ApiStop(c).stop(cause, 'why', 'message');
      assert.deepEqual(told, shared ? ['why'] : [], cause);
    }
  });

  it('says "last error" for an unreachable API, and lifts that stop for a run added once the others ended', () => {
    const stop = new ApiStop(undefined);
    assert.match(stop.stop('unreachable', 'the API cannot be reached', 'ECONNREFUSED')!, /last error: ECONNREFUSED/);
    assert.equal(stop.liftIfUnreachable(false), false, 'other runs still on: the stop stands');
    assert.equal(stop.liftIfUnreachable(true), true);
    assert.equal(stop.stopped, false);

    const key = new ApiStop(undefined);
    key.stop('permission', 'no permission', 'forbidden');
    assert.equal(key.liftIfUnreachable(true), false, 'a verdict on the key is for ever');
  });
});
