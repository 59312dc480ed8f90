// One line of the input file → a request ready to send, or everything wrong with it.
//
// The rules follow what @anthropic-ai/sdk 1.12 (`MessageCreateParamsBase`) and the API accept, so
// that a run never starts with lines the API is certain to refuse. Messages name the field (as
// written on the line: `params.` inside the Batches shape), say what is wrong and what to do.
// The body's other fields (all but model, max_tokens and messages) are checked in optional-fields.ts.
import { MAX_TOKENS_SANITY_CEILING, maxOutputTokens } from '../models/output-limits';
import type { InputRequest, MessageParams } from '../types';
import { LineProblems as Collector, type Problem } from './problems';
import { describeJsonError, pastDepth, quote } from './json-text';
import { describe, isCount, isObject } from './json-values';
import { checkOptionalFields } from './optional-fields';

export interface InputDefaults {
  /** For lines without `model` (`--model`, or the extension's setting). */
  model?: string;
  /** For lines without `max_tokens` (`--max-tokens`, or the extension's setting). */
  maxTokens?: number;
  /** When given, a model it does not know gets a warning (its cost cannot be counted). */
  isKnownModel?: (model: string) => boolean;
}

/** A valid line (perhaps with warnings), or a line with at least one error. */
export type ParsedLine = { request: InputRequest; warnings: Problem[] } | { problems: Problem[] };

const ROLES = new Set(['user', 'assistant']);
/** What the Message Batches API accepts as a `custom_id`. */
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CUSTOM_ID_CHAR = /^[A-Za-z0-9_-]$/;
const CUSTOM_ID_CHARS = "A-Z, a-z, 0-9, '_' and '-'";
const CUSTOM_ID_RULE = `1 to 64 characters from ${CUSTOM_ID_CHARS}`;
const MESSAGE_EXAMPLE = '[{"role": "user", "content": "Hello"}]';

/**
 * The API refuses a Messages request over 32 MB (413 `request_too_large`, from its proxy, before any
 * model sees it). The unit is not stated; the decimal reading is the smaller, so a request between
 * 32,000,000 and 32 MiB is refused here rather than sent to fail. The line reader stops holding a
 * line at this size too, so this is also what bounds the memory of one line.
 */
export const MAX_REQUEST_BYTES = 32_000_000;

/**
 * How deeply arrays and objects may nest on a line. `JSON.stringify` — which the SDK uses to write
 * the request body, and the scan to size the prompt — recurses once per level and overflows the
 * call stack ("Maximum call stack size exceeded") at about 4,180 levels on Node 20's default stack
 * (measured through the SDK 1.12's `post`), and sooner when it is called deeper in the stack (2,185
 * under 5,000 frames). 512 stays far below both, and far above any real request (tool schemas and
 * tool results nest a few dozen levels at most). `JSON.parse` itself is iterative in V8, so parsing
 * such a line is safe; only what comes after is not.
 */
const MAX_JSON_DEPTH = 512;

/** The message for a line over `MAX_REQUEST_BYTES` (also used by the line reader, which never holds it). */
export function requestTooLargeMessage(bytes: number): string {
  return `the line is ${bytes.toLocaleString('en-US')} bytes: the API accepts at most 32 MB per request (${MAX_REQUEST_BYTES.toLocaleString('en-US')} bytes) — make the request smaller`;
}

/** Blank (whitespace-only) lines are skipped by the readers, not parsed. */
export function isBlankLine(text: string): boolean {
  return /^\s*$/.test(text);
}

/**
 * Validates one non-blank line. Defaults are applied to the returned params (which are the parsed
 * object itself, not a copy). `file` only labels the problems. A request without a custom_id is
 * named `<unnamed>-<line>` (`line-3` in a file; the library's requests are `item-3`).
 */
export function parseLine(text: string, line: number, defaults: InputDefaults = {}, file = '<input>', unnamed = 'line'): ParsedLine {
  const out = new Collector(file, line);
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so only a long line needs its bytes counted.
  if (text.length * 3 > MAX_REQUEST_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_REQUEST_BYTES) {
      out.error(requestTooLargeMessage(bytes));
      return { problems: out.finish() };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    out.error(describeJsonError(err, text));
    return { problems: out.finish() };
  }
  // Before anything walks or re-serialises the value: those are what a deep line would overflow.
  const tooDeep = pastDepth(text, MAX_JSON_DEPTH);
  if (tooDeep !== -1) {
    out.error(`the line nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (at column ${tooDeep + 1}): Floorline refuses deeper nesting, which would overflow the call stack when the request is serialised for sending — flatten the data`);
    return { problems: out.finish() };
  }
  if (!isObject(value)) {
    out.error(`the line must be a JSON object (a messages.create body, or {"custom_id": ..., "params": {...}}), got ${describe(value)}`);
    return { problems: out.finish() };
  }

  let body: Record<string, unknown>;
  let customId = `${unnamed}-${line}`;
  let prefix = '';
  if (isObject(value.params) || 'custom_id' in value) {
    // The Message Batches request shape. A missing custom_id falls back to `line-<n>`, like a bare body.
    if (value.custom_id !== undefined && checkCustomId(value.custom_id, out)) customId = value.custom_id;
    const extra = Object.keys(value).filter((k) => k !== 'custom_id' && k !== 'params');
    if (extra.length > 0) {
      out.error(`unexpected ${plural(extra.length, 'key')} ${extra.map((k) => quote(k)).join(', ')} beside custom_id and params: in the Batches shape every request field goes inside params`);
    }
    if (!isObject(value.params)) {
      out.error(value.params === undefined
        ? 'params is missing: in the Batches shape {"custom_id": ..., "params": {...}} the messages.create body goes in params'
        : `params must be an object (the messages.create body), got ${describe(value.params)}`);
      return { problems: out.finish() };
    }
    body = value.params;
    prefix = 'params.';
  } else {
    body = value;
  }

  checkBody(body, prefix, defaults, out);
  if (out.hasErrors) return { problems: out.finish() };
  // What is sent is `params` re-serialised (with the defaults), not the line. That is almost always
  // smaller, but JSON.stringify writes numbers out in full (`1e20` becomes 21 digits: at most 5.25
  // times longer), so a line over a sixth of the limit gets the exact size of its body measured.
  if (text.length * 6 > MAX_REQUEST_BYTES) {
    const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
    if (bytes > MAX_REQUEST_BYTES) {
      out.error(`the request body is ${bytes.toLocaleString('en-US')} bytes as sent (numbers such as 1e20 are written out in full): the API accepts at most 32 MB per request (${MAX_REQUEST_BYTES.toLocaleString('en-US')} bytes) — make the request smaller`);
      return { problems: out.finish() };
    }
  }
  return { request: { customId, line, params: body as MessageParams }, warnings: out.finish() };
}

/** Where the API's own endpoints accept more than a line of a Floorline input may hold. */
interface BodyRuleOptions {
  /** `stream: true` or `false` passes: the API streams, while Floorline sends non-streaming requests. */
  allowStream?: boolean;
  /** `max_tokens` may be left out, as in a POST /v1/messages/count_tokens body. */
  maxTokensOptional?: boolean;
}

/**
 * The rules `parseLine` applies to a request body, for a body alone (no line, no defaults, no
 * Batches envelope): each error's message, in order; empty when the body passes. The simulated API
 * refuses a request with these, so it refuses exactly what a run's validation refuses.
 */
export function requestBodyErrors(body: Record<string, unknown>, options: BodyRuleOptions = {}): string[] {
  const out = new Collector('<request>', 0);
  let checked = body;
  if (options.allowStream && typeof body.stream === 'boolean') {
    const { stream: _stream, ...rest } = body;
    checked = rest;
  }
  checkBody(checked, '', {}, out, options.maxTokensOptional === true);
  return out.hasErrors ? out.finish().filter((p) => p.severity === 'error').map((p) => p.message) : [];
}

function checkCustomId(id: unknown, out: Collector): id is string {
  if (typeof id !== 'string') {
    out.error(`custom_id must be a string of ${CUSTOM_ID_RULE}, got ${describe(id)}`);
    return false;
  }
  if (CUSTOM_ID.test(id)) return true;
  if (id === '') {
    out.error(`custom_id is empty: give ${CUSTOM_ID_RULE}`);
    return false;
  }
  const chars = [...id]; // code points, so an emoji counts (and is shown) as one character
  if (chars.length > 64) out.error(`custom_id is too long (${chars.length} chars): the Batches API allows at most 64`);
  const bad = chars.findIndex((c) => !CUSTOM_ID_CHAR.test(c));
  if (bad !== -1) {
    out.error(`custom_id has a bad character ${quote(chars[bad]!)} at position ${bad + 1}: only ${CUSTOM_ID_CHARS} are allowed`);
  }
  return false;
}

function checkBody(body: Record<string, unknown>, p: string, defaults: InputDefaults, out: Collector, maxTokensOptional = false): void {
  if (body.model === undefined && defaults.model) body.model = defaults.model;
  const model = body.model;
  if (model === undefined) out.error(`${p}model is missing (set it on the line or pass --model)`);
  else if (typeof model !== 'string' || model.trim() === '') out.error(`${p}model must be a model name such as 'claude-sonnet-4-6', got ${describe(model)}`);
  else if (defaults.isKnownModel && !defaults.isKnownModel(model)) out.warn(unknownModelMessage(model));

  let fromDefault = '';
  if (body.max_tokens === undefined && defaults.maxTokens !== undefined) {
    body.max_tokens = defaults.maxTokens;
    fromDefault = ' (the default from --max-tokens)';
  }
  // Positive: a batch job is for answers. (The SDK allows 0 to pre-warm a prompt cache; that is
  // not what a results file is for, and a 0 would make every cost and quota estimate degenerate.)
  if (body.max_tokens === undefined) {
    if (!maxTokensOptional) out.error(`${p}max_tokens is missing (set it on the line or pass --max-tokens)`);
  } else if (!isCount(body.max_tokens) || body.max_tokens === 0) out.error(`${p}max_tokens${fromDefault} must be a positive whole number of tokens such as 1024, got ${describe(body.max_tokens)}`);
  else checkMaxTokensCeiling(body.max_tokens, typeof model === 'string' ? model : undefined, `${p}max_tokens${fromDefault}`, out);

  checkMessages(body.messages, `${p}messages`, out);

  checkOptionalFields(body, p, out);
}

/**
 * More than the model can produce is a certain 400 from the API, and a huge value (1e12) would also
 * blow up the request timeout and the spend accounting before that; see models/output-limits.ts.
 */
function checkMaxTokensCeiling(maxTokens: number, model: string | undefined, name: string, out: Collector): void {
  const own = model === undefined ? undefined : maxOutputTokens(model);
  if (model !== undefined && own !== undefined) {
    if (maxTokens > own) out.error(`${name} is ${maxTokens}, more than ${quote(model)} can produce: its maximum is ${own.toLocaleString('en-US')} — lower max_tokens`);
  } else if (maxTokens > MAX_TOKENS_SANITY_CEILING) {
    out.error(`${name} is ${maxTokens}, more than any model can produce: Floorline refuses max_tokens over ${MAX_TOKENS_SANITY_CEILING.toLocaleString('en-US')} — lower max_tokens`);
  }
}

/** The text of the unknown-model warning (the scan repeats it once per model). */
export function unknownModelMessage(model: string): string {
  return `unknown model ${quote(model)}: no price is known, its cost will not count toward the spend cap — give a price with --price`;
}

function checkMessages(messages: unknown, name: string, out: Collector): void {
  if (messages === undefined) return out.error(`${name} is missing: give at least one message, e.g. ${MESSAGE_EXAMPLE}`);
  if (!Array.isArray(messages)) return out.error(`${name} must be an array of messages such as ${MESSAGE_EXAMPLE}, got ${describe(messages)}`);
  if (messages.length === 0) return out.error(`${name} is empty: give at least one message, e.g. ${MESSAGE_EXAMPLE}`);
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    const at = `${name}[${i}]`;
    if (!isObject(m)) {
      out.error(`${at} must be an object like {"role": "user", "content": "..."}, got ${describe(m)}`);
      continue;
    }
    if (m.role === undefined) out.error(`${at}.role is missing: use 'user' or 'assistant'`);
    else if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
      const hint = m.role === 'system' ? ' — put a system prompt in the top-level system field' : '';
      out.error(`${at}.role must be 'user' or 'assistant', got ${describe(m.role)}${hint}`);
    }
    // The API lets only a final assistant message (a prefill) be empty.
    checkContent(m.content, `${at}.content`, i === messages.length - 1 && m.role === 'assistant', out);
    const extra = Object.keys(m).filter((k) => k !== 'role' && k !== 'content');
    if (extra.length > 0) {
      out.error(`${at} has unexpected ${plural(extra.length, 'key')} ${extra.map((k) => quote(k)).join(', ')}: a message has only role and content`);
    }
  }
}

function checkContent(content: unknown, name: string, mayBeEmpty: boolean, out: Collector): void {
  const emptyProblem = `${name} is empty: only a final assistant message may be empty`;
  if (content === undefined) return out.error(`${name} is missing: give a string or an array of content blocks`);
  if (typeof content === 'string') {
    if (content === '' && !mayBeEmpty) out.error(emptyProblem);
    return;
  }
  if (!Array.isArray(content)) return out.error(`${name} must be a string or an array of content blocks, got ${describe(content)}`);
  if (content.length === 0 && !mayBeEmpty) out.error(emptyProblem);
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i];
    const at = `${name}[${i}]`;
    if (!isObject(block)) out.error(`${at} must be a content block like {"type": "text", "text": "..."}, got ${describe(block)}`);
    else if (typeof block.type !== 'string' || block.type === '') out.error(`${at}.type must be a block type such as 'text' or 'image', got ${describe(block.type)}`);
    else if (block.type === 'text') {
      if (typeof block.text !== 'string') out.error(`${at}.text must be a string, got ${describe(block.text)}`);
      else if (block.text === '') out.error(`${at}.text is empty: the API rejects empty text blocks — remove the block or give it text`);
    }
  }
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
