// Where a run stands after a pass of the dispatcher, and whose turn it is among runs.
import assert from 'node:assert/strict';
import { Run } from '../../../../src/core/dispatch/run';
import { nextRunStep, type DispatcherSituation } from '../../../../src/core/dispatch/run-states';
import { StrideSchedule } from '../../../../src/core/dispatch/stride';
import { describeHold, type Hold } from '../../../../src/core/dispatch/hold';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest } from '../../../../src/core/types';
import type { Priority } from '../../../../src/core/dispatch/snapshot';

async function* source(n: number): AsyncIterable<InputRequest> {
  for (let i = 0; i < n; i++) yield { customId: `r${i}`, line: i + 1, params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } };
}

async function runOf(n: number, priority: Priority = 'normal'): Promise<Run> {
  const run = new Run({ label: 't', requests: source(n), total: n, priority, pricing: new Pricing(), onResult: () => undefined }, 0);
  await new Promise<void>((resolve, reject) => run.readAhead(resolve, reject));
  return run;
}

const calm: DispatcherSituation = { apiStopped: undefined, runHolds: new Map(), granting: new Set() };
const floor: Hold = { kind: 'hard-floor', quota: 'own', dimension: 'inputTokens', waitMs: 500 };

describe('dispatch: run states', () => {
  it("a live run takes its own reason first, then the hold of its next line's model class", async () => {
    const run = await runOf(2);
    const other = await runOf(2);
    assert.deepEqual(nextRunStep(run, calm), { end: false, state: 'running', detail: undefined, holdCause: undefined });
    const held = { ...calm, runHolds: new Map([[run, floor]]) };
    assert.deepEqual(nextRunStep(run, held), { end: false, state: 'hard-stopped', detail: describeHold(floor), holdCause: floor });
    assert.equal(nextRunStep(other, held).state, 'running', 'a run whose next line has room is not held by another class');
    const retries: Hold = { kind: 'retry-budget', waitMs: 100 };
    assert.equal(nextRunStep(run, { ...calm, runHolds: new Map([[run, retries]]) }).state, 'running', 'a spent retry budget holds no run back');
    run.pause();
    assert.equal(nextRunStep(run, held).state, 'paused');
    assert.deepEqual(nextRunStep(run, { ...held, apiStopped: 'the key was revoked' }), { end: false, state: 'stopping', detail: 'the key was revoked', holdCause: undefined });
  });

  it('ends once nothing is in the air, saying how; not while its item awaits the shared quota', async () => {
    const run = await runOf(2);
    const item = run.queue.peek(0)!;
    run.queue.take(item);
    const controller = run.startAttempt(item, 0);
    run.fail('the spend books were handed NaN');
    assert.equal(nextRunStep(run, calm).end, false, 'one request still in the air');
    run.endAttempt(controller);
    assert.deepEqual(nextRunStep(run, { ...calm, granting: new Set([run]) }).end, false);
    assert.deepEqual(nextRunStep(run, calm), { end: true, state: 'failed', detail: 'the spend books were handed NaN' }, 'its reason survives the stopping state');

    const stopped = await runOf(3);
    stopped.stop();
    assert.deepEqual(nextRunStep(stopped, calm), { end: true, state: 'stopped', detail: '3 lines left unsent' });
    stopped.abort();
    assert.deepEqual(nextRunStep(stopped, calm), { end: true, state: 'aborted', detail: '3 lines left unsent' });
    assert.deepEqual(nextRunStep(stopped, { ...calm, apiStopped: 'billing' }), { end: true, state: 'api-stopped', detail: 'billing' });
  });

  it('gives each run turns by its priority, a newcomer joining at the front', async () => {
    const high = await runOf(50, 'high');
    const background = await runOf(50, 'background');
    const schedule = new StrideSchedule();
    schedule.join(high, []);
    schedule.join(background, [high]);
    const turns: string[] = [];
    for (let i = 0; i < 10; i++) {
      const next = schedule.next([high, background], 0, true)!;
      next.run.queue.take(next.item);
      schedule.charge(next.run);
      turns.push(next.run.priority);
    }
    assert.equal(turns.filter((p) => p === 'high').length, 8, turns.join());
    // A run that joins late starts at the front: from there it takes its share, neither starved nor
    // bursting ahead to catch up.
    const late = await runOf(5);
    schedule.join(late, [high, background]);
    const shares = new Map<string, number>();
    for (let i = 0; i < 7; i++) {
      const next = schedule.next([high, background, late], 0, true)!;
      next.run.queue.take(next.item);
      schedule.charge(next.run);
      shares.set(next.run.priority, (shares.get(next.run.priority) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(shares), { high: 4, background: 1, normal: 2 });
  });
});
