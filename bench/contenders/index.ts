import { naive } from './naive';
import { semaphore } from './semaphore';
import { pQueue } from './p-queue';
import { bottleneck } from './bottleneck';
import { floorlineCore } from './floorline-core';
import { floorlineCli } from './floorline-cli';
import type { Contender } from './types';

/** In the order they appear in the report. */
export const CONTENDERS: readonly Contender[] = [naive, semaphore, pQueue, bottleneck, floorlineCore, floorlineCli];

/** Run only when named with --contender: what-if variants that help explain a result. */
export const DIAGNOSTICS: readonly Contender[] = [];

export function contender(name: string): Contender {
  const found = [...CONTENDERS, ...DIAGNOSTICS].find((c) => c.name === name);
  if (!found) throw new Error(`unknown contender '${name}' (known: ${CONTENDERS.map((c) => c.name).join(', ')})`);
  return found;
}
