// What a viewer takes from one results line, read the same way when the file is indexed and when a
// row is shown again, so a row's sort key and its displayed value never disagree. The file may have
// been written by an older or newer Floorline, or edited by hand: only what a row cannot do without
// (a custom_id and a known result type) makes a line unreadable; any other odd value is absent.
import type { ResultLine } from '../types';
import { isObject } from '../input/json-values';
import { RESULT_STATUSES, type ResultRow } from './result-rows';

/** A row's values without its place in the file or its preview, plus the error's message (for the preview and search). */
export type ResultFields = Omit<ResultRow, 'row' | 'line' | 'preview'> & { errorMessage: string | undefined };

/** The preview's length limit (characters), an ellipsis included. */
const PREVIEW_MAX = 200;
/** The error type of an errored line whose envelope names none. */
const UNKNOWN_ERROR = 'unknown_error';

/** A count or an amount as written, or null: NaN, negative, infinite (`1e999`) or not a number at all is absent. */
function amount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** Parses one non-blank line; undefined when it is not JSON or not a results line's shape. */
export function parseResultLine(text: string): { value: ResultLine; fields: ResultFields } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const fields = fieldsOf(value);
  return fields ? { value: value as ResultLine, fields } : undefined;
}

function fieldsOf(value: unknown): ResultFields | undefined {
  if (!isObject(value) || typeof value.custom_id !== 'string' || value.custom_id === '') return undefined;
  const result = value.result;
  if (!isObject(result)) return undefined;
  const status = RESULT_STATUSES.find((s) => s === result.type);
  if (status === undefined) return undefined;
  const usage = isObject(value.usage) ? value.usage : {};
  let errorType: string | undefined;
  let errorMessage: string | undefined;
  if (status === 'errored') {
    // The Batches envelope {type: 'error', error: {type, message}}; a bare {type, message} is read too.
    const envelope = isObject(result.error) ? result.error : {};
    const inner = isObject(envelope.error) ? envelope.error : envelope;
    errorType = typeof inner.type === 'string' && inner.type !== '' && inner.type !== 'error' ? inner.type : UNKNOWN_ERROR;
    errorMessage = typeof inner.message === 'string' ? inner.message : '';
  }
  const attempts = amount(value.attempts);
  return {
    customId: value.custom_id,
    status,
    model: typeof value.model === 'string' ? value.model : '',
    fallbackFrom: typeof value.fallback_from === 'string' ? value.fallback_from : undefined,
    inputTokens: amount(usage.input_tokens),
    outputTokens: amount(usage.output_tokens),
    cacheReadTokens: amount(usage.cache_read_input_tokens),
    cacheWriteTokens: amount(usage.cache_creation_input_tokens),
    costUsd: amount(value.cost_usd),
    latencyMs: amount(value.latency_ms),
    // Stored in a Uint32Array: a count past that is nonsense, not a count.
    attempts: attempts !== null && attempts <= 0xffff_ffff ? Math.floor(attempts) : 0,
    errorType,
    errorMessage,
    simulated: value.simulated === true,
  };
}

/** The text blocks of a succeeded line's reply, in order. */
function replyTexts(line: ResultLine): string[] {
  if (line.result.type !== 'succeeded' || !isObject(line.result.message)) return [];
  const content = line.result.message.content;
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const block of content) if (isObject(block) && block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
  return texts;
}

/** The first line of the reply's first text block, or `type: message` of the error; at most PREVIEW_MAX characters. */
export function previewOf(line: ResultLine, fields: ResultFields): string {
  let text = '';
  if (fields.status === 'errored') text = fields.errorMessage ? `${fields.errorType}: ${fields.errorMessage}` : (fields.errorType ?? '');
  else if (fields.status === 'succeeded') text = replyTexts(line)[0] ?? '';
  const newline = text.search(/\r?\n/);
  if (newline !== -1) text = text.slice(0, newline);
  if (text.length <= PREVIEW_MAX) return text;
  let cut = PREVIEW_MAX - 1;
  // Never split a surrogate pair: half an emoji renders as a replacement box.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * Pieces of a lower-cased search that must each appear, as written, in the lower-cased raw line
 * for it to match: the search split where JSON would escape a character (quote, backslash, control
 * characters, and `/`, which a writer may escape). A cheap test that rejects most lines without
 * parsing them; it is skipped for a line holding `\u` escapes, which may spell any character.
 */
export function searchPieces(needle: string): string[] {
  return needle.split(/["\\/\u0000-\u001f]/).filter((p) => p !== '');
}

/** Whether the raw line may match (see `searchPieces`); a false is certain, a true is checked by `matchesSearch`. */
export function mayMatch(rawLower: string, pieces: readonly string[]): boolean {
  if (rawLower.includes('\\u')) return true;
  for (const p of pieces) if (!rawLower.includes(p)) return false;
  return true;
}

/** Case-insensitive substring of the custom_id, a reply text block or the error message. */
export function matchesSearch(line: ResultLine, fields: ResultFields, needleLower: string): boolean {
  if (fields.customId.toLowerCase().includes(needleLower)) return true;
  if (fields.errorMessage !== undefined && fields.errorMessage.toLowerCase().includes(needleLower)) return true;
  return replyTexts(line).some((t) => t.toLowerCase().includes(needleLower));
}
