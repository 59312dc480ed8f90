// 3a. p-queue with `interval` / `intervalCap` from the published RPM: at most RPM/60 requests start
// per second (per-second windows, as the docs' "may be enforced at sub-minute granularity" advises).
// It counts requests, not tokens; the SDK's retries happen inside a task. Failed lines are re-added.
import { Books, readJob, sdkClient } from './common';
import type { JobLine } from '../jobs';
import type { Contender } from './types';

export const pQueue: Contender = {
  name: 'p-queue',
  label: 'p-queue (RPM)',
  describe: ({ limits }) =>
    `p-queue { interval: 1000, intervalCap: ${Math.max(1, Math.floor(limits.requestsPerMinute / 60))} } from ${limits.requestsPerMinute.toLocaleString('en')} RPM; SDK default retries; failed lines re-added`,
  async run(job, mockUrl, options) {
    // ESM-only package, loaded from this CommonJS module.
    const { default: PQueue } = await import('p-queue');
    const lines = readJob(job.path);
    const books = new Books(sdkClient(mockUrl, options.apiKey), options, lines.length);
    const queue = new PQueue({ interval: 1000, intervalCap: Math.max(1, Math.floor(options.limits.requestsPerMinute / 60)) });
    const task = (line: JobLine) => async (): Promise<void> => {
      if (!books.canSend()) {
        queue.clear();
        return;
      }
      const outcome = await books.send(line);
      if (outcome.kind === 'failed' && !books.stopped) void queue.add(task(line));
    };
    void queue.addAll(lines.map(task));
    const stopped = (async () => {
      while (!books.stopped) await books.changed();
      queue.clear();
    })();
    await Promise.race([queue.onIdle(), stopped]);
    await queue.onIdle();
    return books.result();
  },
};
