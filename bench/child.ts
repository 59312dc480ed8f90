// One contender in its own process. The bench (parent) starts it with bench/preload.cjs (simulated
// time when the scenario compresses it), waits for `ready`, starts a fresh mock API, says `go`, and
// gets back one `result`. CPU is measured here, around the contender's run, so it is the
// contender's own (plus the SDK's HTTP work) and never the mock's.
import { contender } from './contenders';
import type { ContenderJob, ContenderOptions, ContenderResult } from './contenders/types';

export type ToChild = { type: 'go'; contender: string; job: ContenderJob; mockUrl: string; options: ContenderOptions };
export type FromChild = { type: 'ready' } | { type: 'result'; result: ContenderResult } | { type: 'error'; message: string };

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

process.on('message', (message: ToChild) => {
  if (message.type !== 'go') return;
  void (async () => {
    try {
      const c = contender(message.contender);
      const cpu0 = process.cpuUsage();
      const result = await c.run(message.job, message.mockUrl, message.options);
      const cpu = process.cpuUsage(cpu0);
      result.cpuUs ??= cpu.user + cpu.system;
      await send({ type: 'result', result });
    } catch (err) {
      await send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
    process.exit(0);
  })();
});

void send({ type: 'ready' });
