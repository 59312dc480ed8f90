// One dispatched attempt: every way it ends settles all three ledgers, once.
import assert from 'node:assert/strict';
import { Ticket } from '../../../../src/core/dispatch/ticket';
import type { SharedCoordinator } from '../../../../src/core/coordination/coordinator';
import type { QuotaModel, QuotaReservation } from '../../../../src/core/limits/quota-model';
import type { BudgetHold, Budgets } from '../../../../src/core/spend/budgets';

function ledgers() {
  const calls: string[] = [];
  const quota = { settle: (_r: unknown, c: { inputTokens: number }) => calls.push(`quota.settle ${c.inputTokens}`), release: (_r: unknown, refused: boolean) => calls.push(`quota.release refused=${refused}`) } as unknown as QuotaModel;
  const budgets = {
    settle: (_h: unknown, cost: { usd: number }) => calls.push(`budgets.settle ${cost.usd}`),
    release: () => calls.push('budgets.release'),
    keepWorstCase: () => calls.push('budgets.keepWorstCase'),
  } as unknown as Budgets;
  const coordinator = {
    settle: async (lease: string) => void calls.push(`lease.settle ${lease}`),
    release: async (lease: string, refused: boolean, keepWorst: boolean) => void calls.push(`lease.release ${lease} refused=${refused} keepWorst=${keepWorst}`),
  } as unknown as SharedCoordinator;
  const reservation = { consumption: { inputTokens: 100, outputTokens: 50 } } as unknown as QuotaReservation;
  const ticket = (lease?: string, hold = true) => new Ticket(quota, reservation, budgets, hold ? ({} as BudgetHold) : undefined, coordinator, lease);
  return { calls, ticket };
}

describe('dispatch: ticket', () => {
  it('a billed answer settles the quota, the lease and the budgets with the real amounts', () => {
    const { calls, ticket } = ledgers();
    const t = ticket('L1');
    assert.deepEqual(t.consumption, { inputTokens: 100, outputTokens: 50 });
    t.settle({ inputTokens: 80, outputTokens: 40 }, { usd: 0.002, tokens: 120 });
    assert.deepEqual(calls, ['quota.settle 80', 'lease.settle L1', 'budgets.settle 0.002']);
  });

  it('refused at the door: everything back; possibly billed: the quota not refunded and the cap keeps the worst case', () => {
    const refused = ledgers();
    refused.ticket('L2').release({ refused: true, possiblyBilled: false });
    assert.deepEqual(refused.calls, ['quota.release refused=true', 'lease.release L2 refused=true keepWorst=false', 'budgets.release']);
    const cut = ledgers();
    cut.ticket('L3').release({ refused: false, possiblyBilled: true });
    assert.deepEqual(cut.calls, ['quota.release refused=false', 'lease.release L3 refused=false keepWorst=true', 'budgets.keepWorstCase']);
  });

  it('ends once: a second settlement or release changes no ledger', () => {
    const { calls, ticket } = ledgers();
    const t = ticket(undefined, false);
    t.release({ refused: true, possiblyBilled: false });
    t.settle({ inputTokens: 1, outputTokens: 1 }, { usd: 1, tokens: 2 });
    t.release({ refused: false, possiblyBilled: true });
    assert.deepEqual(calls, ['quota.release refused=true'], 'no lease, no hold: only the quota');
  });
});
