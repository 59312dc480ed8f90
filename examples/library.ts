// Floorline from code: 1,000 requests through the dispatcher, printed as they finish. A rehearsal
// against the built-in simulated API (`simulate: 'build'`): no key, no cost.
//   npx tsx examples/library.ts
import { Floorline } from '../src/lib'; // in your project: from 'floorline'

async function main(): Promise<void> {
  const fl = new Floorline({ simulate: 'build', maxSpendUsd: 5 });
  const requests = Array.from({ length: 1_000 }, (_, i) => ({
    custom_id: `q-${i}`,
    params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user' as const, content: `Name a colour, #${i}.` }] },
  }));
  for await (const out of fl.dispatch(requests)) {
    if (out.type === 'result') console.log(out.customId, out.message ? `${out.usage?.output_tokens} tokens, ${out.latencyMs} ms` : out.error?.error.message);
    else console.log(`ended: ${out.reason}, ${out.summary.succeeded} succeeded, $${out.summary.spentUsd.toFixed(4)}`);
  }
  await fl.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
