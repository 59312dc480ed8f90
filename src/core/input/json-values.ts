// What a parsed JSON value is, for the checks of a line: an object, a whole number of tokens, and
// the words a message uses for it ("got an array"). Shared by the line's checks and its fields' checks.
import { quote } from './json-text';

/** A JSON object (not an array, not null): what a request and its params must be. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A whole number of tokens: a safe integer ≥ 0. */
export function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** What a value is, for "got …" in a message. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
