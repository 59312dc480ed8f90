// 1. Naive workers: N async workers, each looping `messages.create` over a shared queue with the
// SDK's default retries (2, honouring retry-after). A line that still fails goes to the back of the
// queue — the "retry the failures" loop every such script grows. Nothing looks at the limits.
import { Books, readJob, sdkClient } from './common';
import type { Contender } from './types';

export const naive: Contender = {
  name: 'naive',
  label: 'Naive workers',
  describe: ({ workers }) => `${workers} async workers looping messages.create; SDK default retries (2); failed lines re-queued`,
  async run(job, mockUrl, options) {
    const lines = readJob(job.path);
    const books = new Books(sdkClient(mockUrl, options.apiKey), options, lines.length);
    const queue = [...lines];
    const worker = async (): Promise<void> => {
      while (!books.stopped && !books.done) {
        const line = queue.shift();
        if (!line) {
          // Others still have lines in flight that may come back failed.
          await books.changed();
          continue;
        }
        if (!books.canSend()) break;
        const outcome = await books.send(line);
        if (outcome.kind === 'failed') queue.push(line);
      }
    };
    await Promise.all(Array.from({ length: options.workers }, worker));
    return books.result();
  },
};
