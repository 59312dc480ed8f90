// The fields of a request body beyond model, max_tokens and messages: which the SDK types, which
// it has dropped or sends as headers, a light check of each one's shape, and the known name nearest
// to a misspelt one. validate-line.ts checks the rest of the line and calls this for these fields.
import type { LineProblems as Collector } from './problems';
import { describe, isCount, isObject } from './json-values';

/** The body fields of `MessageCreateParamsBase` in @anthropic-ai/sdk 1.12. */
const BODY_FIELDS = new Set([
  'max_tokens', 'messages', 'model', 'cache_control', 'container', 'diagnostics', 'inference_geo', 'metadata',
  'output_config', 'service_tier', 'speed', 'stop_sequences', 'stream', 'system', 'thinking', 'tool_choice', 'tools',
]);
/** In the 0.x SDK and gone from 1.x; the API answers 400. */
const REMOVED_IN_1X = new Set(['temperature', 'top_p', 'top_k']);
/**
 * Typed on the SDK's params but sent as HTTP headers. Refused: a line routed to another
 * workspace would draw on rate limits the dispatcher does not track, and inside a Message Batch
 * they would be sent as (unknown) body fields.
 */
const HEADER_FIELDS = new Set(['user_profile_id', 'workspace_id']);

/** Each field of the body other than model, max_tokens and messages (checked by validate-line.ts), in the line's order. */
export function checkOptionalFields(body: Record<string, unknown>, p: string, out: Collector): void {
  for (const key of Object.keys(body)) {
    if (key === 'model' || key === 'max_tokens' || key === 'messages') continue;
    const check = FIELD_CHECKS.get(key);
    if (check) check(body[key], p + key, out, body);
    else if (BODY_FIELDS.has(key)) continue;
    else if (REMOVED_IN_1X.has(key)) out.error(`${p}${key} was removed in the Messages API 1.x; the API rejects it — remove it`);
    else if (HEADER_FIELDS.has(key)) {
      out.error(`${p}${key} is not a body parameter (the SDK sends it as a header) and Floorline sends every line through the same workspace and profile — remove it`);
    } else {
      const near = closest(key);
      out.error(`unknown parameter '${p}${key}'${near ? ` (did you mean '${near}'?)` : ''}: messages.create does not accept it — remove it`);
    }
  }
}

// Light checks of the optional fields: the shape the SDK types, not every rule of the API.
type FieldCheck = (value: unknown, name: string, out: Collector, body: Record<string, unknown>) => void;

const FIELD_CHECKS = new Map<string, FieldCheck>([
  ['system', (v, name, out) => {
    if (typeof v === 'string') return;
    if (!Array.isArray(v)) return out.error(`${name} must be a string or an array of text blocks, got ${describe(v)}`);
    v.forEach((b: unknown, i) => {
      if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string') {
        out.error(`${name}[${i}] must be a text block like {"type": "text", "text": "..."}, got ${describe(b)}`);
      }
    });
  }],
  ['stop_sequences', (v, name, out) => {
    if (!Array.isArray(v)) return out.error(`${name} must be an array of strings, got ${describe(v)}`);
    v.forEach((s: unknown, i) => {
      if (typeof s !== 'string') out.error(`${name}[${i}] must be a string, got ${describe(s)}`);
    });
  }],
  ['stream', (v, name, out) => {
    if (v === true) out.error(`${name}: true is not supported: Floorline sends non-streaming requests — remove it or set it to false`);
    else if (v !== false) out.error(`${name} must be false (or left out), got ${describe(v)}`);
  }],
  ['tools', (v, name, out) => {
    if (!Array.isArray(v)) return out.error(`${name} must be an array of tool definitions, got ${describe(v)}`);
    v.forEach((t: unknown, i) => {
      if (!isObject(t)) out.error(`${name}[${i}] must be a tool definition object, got ${describe(t)}`);
    });
  }],
  ['metadata', objectField('an object such as {"user_id": "..."}')],
  ['output_config', objectField('an object')],
  ['tool_choice', (v, name, out) => {
    if (!isObject(v) || typeof v.type !== 'string') out.error(`${name} must be an object with a type, such as {"type": "auto"}, got ${describe(v)}`);
  }],
  ['cache_control', (v, name, out) => {
    if (v !== null && (!isObject(v) || typeof v.type !== 'string')) out.error(`${name} must be {"type": "ephemeral"} or null, got ${describe(v)}`);
  }],
  ['container', (v, name, out) => {
    if (v !== null && typeof v !== 'string' && !isObject(v)) out.error(`${name} must be a container id, an object or null, got ${describe(v)}`);
  }],
  ['diagnostics', (v, name, out) => {
    if (v !== null && !isObject(v)) out.error(`${name} must be an object or null, got ${describe(v)}`);
  }],
  ['inference_geo', (v, name, out) => {
    if (v !== null && typeof v !== 'string') out.error(`${name} must be a string or null, got ${describe(v)}`);
  }],
  ['service_tier', oneOf(['auto', 'standard_only'])],
  ['speed', oneOf(['standard', 'fast', null])],
  ['thinking', (v, name, out, body) => {
    if (!isObject(v) || typeof v.type !== 'string') return out.error(`${name} must be an object with a type, such as {"type": "adaptive"}, got ${describe(v)}`);
    if (v.type !== 'enabled') return;
    const budget = v.budget_tokens;
    if (!isCount(budget)) return out.error(`${name}.budget_tokens must be a whole number of tokens (${name}.type is 'enabled'), got ${describe(budget)}`);
    if (budget < 1024) out.error(`${name}.budget_tokens must be at least 1024, got ${budget}`);
    const maxTokens = body.max_tokens;
    if (isCount(maxTokens) && budget >= maxTokens) {
      out.error(`${name}.budget_tokens (${budget}) must be less than max_tokens (${maxTokens}): raise max_tokens or lower the budget`);
    }
  }],
]);

function objectField(what: string): FieldCheck {
  return (v, name, out) => {
    if (!isObject(v)) out.error(`${name} must be ${what}, got ${describe(v)}`);
  };
}

function oneOf(values: Array<string | null>): FieldCheck {
  const list = values.map((v) => (v === null ? 'null' : `'${v}'`)).join(', ');
  return (v, name, out) => {
    if (!values.includes(v as string | null)) out.error(`${name} must be one of ${list}, got ${describe(v)}`);
  };
}

/** A known parameter within 2 edits of a misspelt one (`maxTokens` → `max_tokens`). */
function closest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of BODY_FIELDS) {
    const d = editDistance(key.toLowerCase(), known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
