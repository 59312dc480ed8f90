// 3b. Bottleneck with token-weighted reservoirs from the published limits: one limiter per bucket
// (RPM weight 1, ITPM weight = the prompt's estimated tokens at ~4 characters each, OTPM weight =
// max_tokens), each a reservoir of the limit refilled by limit/60 every second up to the limit —
// the API's token bucket as a careful engineer models it, starting full. After a success the
// estimate is corrected with the real usage (input charged = input + cache writes; unused
// max_tokens returned), so cached prompts and short replies do not waste quota. Failed lines are
// scheduled again. It never reads the API's headers.
import Bottleneck from 'bottleneck';
import { Books, readJob, sdkClient } from './common';
import type { JobLine } from '../jobs';
import type { Contender } from './types';

function bucket(limit: number): Bottleneck {
  return new Bottleneck({
    reservoir: limit,
    reservoirIncreaseAmount: limit / 60,
    reservoirIncreaseInterval: 1000,
    reservoirIncreaseMaximum: limit,
  });
}

/** Add (or take back) tokens, never above the limit. */
async function adjust(limiter: Bottleneck, limit: number, delta: number): Promise<void> {
  if (delta === 0) return;
  const current = (await limiter.currentReservoir()) ?? 0;
  const by = Math.min(delta, limit - current);
  if (by !== 0) await limiter.incrementReservoir(by);
}

export const bottleneck: Contender = {
  name: 'bottleneck',
  label: 'Bottleneck (token reservoirs)',
  describe: ({ limits }) =>
    `Bottleneck reservoirs: ${limits.requestsPerMinute.toLocaleString('en')} RPM, ${limits.inputTokensPerMinute.toLocaleString('en')} ITPM (weight = chars/4), ` +
    `${limits.outputTokensPerMinute.toLocaleString('en')} OTPM (weight = max_tokens, unused part returned); refilled limit/60 per second, starting full; SDK default retries`,
  async run(job, mockUrl, options) {
    const lines = readJob(job.path);
    const books = new Books(sdkClient(mockUrl, options.apiKey), options, lines.length);
    const { requestsPerMinute, inputTokensPerMinute, outputTokensPerMinute } = options.limits;
    const rpm = bucket(requestsPerMinute);
    const itpm = bucket(inputTokensPerMinute);
    const otpm = bucket(outputTokensPerMinute);
    const estimateInput = (line: JobLine) => Math.ceil(JSON.stringify({ system: line.params.system, messages: line.params.messages }).length / 4);

    const sendLine = async (line: JobLine): Promise<void> => {
      const input = Math.min(estimateInput(line), inputTokensPerMinute);
      const output = Math.min(line.params.max_tokens, outputTokensPerMinute);
      const outcome = await rpm.schedule({ weight: 1 }, () =>
        itpm.schedule({ weight: input }, () =>
          otpm.schedule({ weight: output }, async () => {
            if (!books.canSend()) return { kind: 'aborted' as const };
            return books.send(line);
          }),
        ),
      );
      if (outcome.kind === 'ok') {
        const charged = outcome.usage.input_tokens + (outcome.usage.cache_creation_input_tokens ?? 0);
        await Promise.all([adjust(itpm, inputTokensPerMinute, input - charged), adjust(otpm, outputTokensPerMinute, output - outcome.usage.output_tokens)]);
      } else if (outcome.kind === 'failed' && !books.stopped) {
        return sendLine(line);
      }
    };

    const all = Promise.all(lines.map((line) => sendLine(line).catch(() => undefined)));
    const stopped = (async () => {
      while (!books.stopped) await books.changed();
    })();
    await Promise.race([all, stopped]);
    // Stopped early (deadline or cap): drop what is still queued.
    await Promise.all([rpm, itpm, otpm].map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
    return books.result();
  },
};
