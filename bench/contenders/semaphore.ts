// 2. SDK retries + a semaphore: every line through `Promise.all` behind a fixed concurrency cap,
// the SDK's default retries; the lines that still failed are run again in another pass.
import { Books, readJob, sdkClient, semaphore as makeSemaphore } from './common';
import type { JobLine } from '../jobs';
import type { Contender } from './types';

export const semaphore: Contender = {
  name: 'semaphore',
  label: 'SDK retries + semaphore',
  describe: ({ semaphore: cap }) => `Promise.all behind a semaphore of ${cap}; SDK default retries (2); failed lines run again in another pass`,
  async run(job, mockUrl, options) {
    const lines = readJob(job.path);
    const books = new Books(sdkClient(mockUrl, options.apiKey), options, lines.length);
    const limit = makeSemaphore(options.semaphore);
    let pending: JobLine[] = lines;
    while (pending.length > 0 && !books.stopped) {
      const failed: JobLine[] = [];
      await Promise.all(
        pending.map((line) =>
          limit(async () => {
            if (!books.canSend()) return;
            const outcome = await books.send(line);
            if (outcome.kind === 'failed') failed.push(line);
          }),
        ),
      );
      pending = failed;
    }
    return books.result();
  },
};
