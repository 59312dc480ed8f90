// What a result line was the answer to. Resume used to trust custom_ids alone: insert a line at the
// top of a file of bare bodies (ids `line-<n>`) and every old answer was attributed to the wrong
// prompt, and the new prompt was never sent. Each result line records a hash of the request it
// answers; a resume compares it with the input line of the same id.
import { createHash } from 'node:crypto';
import type { MessageParams } from '../types';

/** `sha256:` and 16 hex digits of the hash of the request as sent (after defaults were applied). */
export function fingerprintOf(params: MessageParams | Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16)}`;
}

/** 52 bits of a fingerprint as a number: a resume keeps one per id, a million of them in 16 MB less than strings. */
export function fingerprintKey(fingerprint: string): number | undefined {
  const match = /^sha256:([0-9a-f]{13})/.exec(fingerprint);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}
