// The results editor's display models: a results file's rows, totals and one row's detail, formatted
// for the page. Pure (no `vscode`). Everything here comes from files and API replies, so nothing is
// trusted: block types are matched in a switch (never looked up on an object, where `constructor`
// or `__proto__` would find something), and long text is cut to what a page can show.
import type { ResultDetail, ResultRow, ResultsTotals } from '../../core/results/result-rows';
import { formatCount, formatLatency, formatUsd, plural } from '../../core/format';
import type { ReplyBlockModel, ResultDetailModel, ResultRowModel, ResultsCopyPart, ResultsTotalsModel } from '../protocol';
import { exact, sentence } from './text';

/** One block's body at most: a page shows this much; Copy (read from the file) gets all of it. */
export const MAX_BODY_CHARS = 100_000;
/** Reply blocks shown at most; a note says how many more there are. */
export const MAX_BLOCKS = 200;
/** Titles, fact values and previews are one line each. */
const MAX_LINE_CHARS = 300;

/** `text` cut to `max` characters (never inside a surrogate pair), saying how much was left out. */
export function clip(text: string, max: number = MAX_BODY_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}\n… ${exact(text.length - end)} more characters not shown (Copy gets all of them)`;
}

/** One line: newlines and tabs as spaces, control characters dropped, cut with an ellipsis. */
function oneLine(text: string, max: number = MAX_LINE_CHARS): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (flat.length <= max) return flat;
  let end = max - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${flat.slice(0, end)}…`;
}

/** Pretty JSON; a value JSON cannot write (too deep, a cycle) is said as such rather than thrown. */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch (err) {
    return `(cannot be shown as JSON: ${(err as Error).message})`;
  }
}

/** A request line from the input file, pretty if it is JSON, else as it is. */
function prettyLine(text: string): string {
  try {
    return prettyJson(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Milliseconds as people read them: `850 ms`, `1.2 s`, `2m05s`. */

const tokens = (n: number | null): string => (n === null || !Number.isFinite(n) ? '–' : exact(n));
const money = (usd: number | null): string => (usd === null || !Number.isFinite(usd) ? '–' : formatUsd(usd));

// ── Rows ─────────────────────────────────────────────────────────────────

export function toResultRowModel(row: ResultRow): ResultRowModel {
  return {
    row: row.row,
    customId: oneLine(row.customId),
    status: row.status,
    model: oneLine(row.fallbackFrom ? `${row.model} (from ${row.fallbackFrom})` : row.model),
    inputTokens: tokens(row.inputTokens),
    outputTokens: tokens(row.outputTokens),
    cost: row.costUsd === null ? '–' : `${money(row.costUsd)}${row.simulated ? ' sim' : ''}`,
    latency: formatLatency(row.latencyMs),
    attempts: String(row.attempts),
    // The core's preview already says `type: message` for an error.
    preview: oneLine(row.preview, 200),
  };
}

// ── Totals ───────────────────────────────────────────────────────────────

export interface TotalsContext {
  fileName: string;
  hasInput: boolean;
  canRun: boolean;
  /** A run is writing the file; unset: only if its last line is incomplete. */
  growing?: boolean;
}

/** "3 lines are not results (lines 4, 9, 12)"; '' when every line is. */
function unreadableWarning(totals: ResultsTotals): string {
  if (totals.unreadable === 0) return '';
  const shown = totals.unreadableLines.slice(0, 5);
  const more = totals.unreadable > shown.length ? ', …' : '';
  const where = shown.length ? ` (line${shown.length === 1 && !more ? '' : 's'} ${shown.join(', ')}${more})` : '';
  return `${plural(totals.unreadable, 'line', { format: exact })} ${totals.unreadable === 1 ? 'is' : 'are'} not results and not shown${where}.`;
}

function spendText(totals: ResultsTotals): string {
  const spend = formatUsd(totals.costUsd);
  if (totals.simulatedRows === 0) return spend;
  if (totals.simulatedRows >= totals.rows) return `${spend} simulated`;
  return `${spend} (${plural(totals.simulatedRows, 'row', { format: exact })} simulated)`;
}

export function toResultsTotalsModel(totals: ResultsTotals, context: TotalsContext): ResultsTotalsModel {
  const latency =
    totals.latencyP50Ms === null ? '–' : sentence([`p50 ${formatLatency(totals.latencyP50Ms)}`, totals.latencyP95Ms !== null && `p95 ${formatLatency(totals.latencyP95Ms)}`]);
  return {
    fileName: context.fileName,
    rowsText: plural(totals.rows, 'result', { format: exact }),
    counts: { succeeded: totals.succeeded, errored: totals.errored, canceled: totals.canceled, expired: totals.expired },
    spendText: spendText(totals),
    simulated: totals.simulatedRows > 0,
    tokens: [
      { label: 'Input', value: formatCount(totals.inputTokens) },
      { label: 'Output', value: formatCount(totals.outputTokens) },
      ...(totals.cacheReadTokens > 0 ? [{ label: 'Cache read', value: formatCount(totals.cacheReadTokens) }] : []),
      ...(totals.cacheWriteTokens > 0 ? [{ label: 'Cache write', value: formatCount(totals.cacheWriteTokens) }] : []),
    ],
    latencyText: latency,
    models: totals.models.map((m) => ({ model: oneLine(m.model), rows: m.rows })),
    growing: context.growing ?? totals.partialTail,
    warning: unreadableWarning(totals),
    hasInput: context.hasInput,
    canRun: context.canRun,
  };
}

// ── Detail ───────────────────────────────────────────────────────────────

export type RequestText = { line: number; text: string } | { missing: string };

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function block(kind: ReplyBlockModel['kind'], title: string, body: string): ReplyBlockModel {
  return { kind, title: oneLine(title), body: clip(body) };
}

/** A tool result's content: its text parts as text, anything else as JSON. */
function toolResultBody(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content) && content.every((c) => isRecord(c) && c.type === 'text' && typeof c.text === 'string')) {
    return content.map((c) => (c as Json).text as string).join('\n\n');
  }
  // Web search results: one line each, title and address (the encrypted content is no use to a reader).
  if (Array.isArray(content) && content.length > 0 && content.every((c) => isRecord(c) && c.type === 'web_search_result')) {
    return content.map((c) => `${str((c as Json).title) ?? '(untitled)'}\n  ${str((c as Json).url) ?? ''}`).join('\n');
  }
  return prettyJson(content);
}

/** One content block of a reply, readably. */
export function replyBlock(value: unknown): ReplyBlockModel {
  if (!isRecord(value)) return block('other', 'Block', prettyJson(value));
  const type = str(value.type) ?? '';
  switch (type) {
    case 'text':
      return block('text', 'Text', str(value.text) ?? prettyJson(value));
    case 'thinking':
      return block('thinking', 'Thinking', str(value.thinking) ?? prettyJson(value));
    case 'redacted_thinking':
      return block('thinking', 'Thinking (redacted)', `The model's reasoning here was encrypted by the API (${exact(str(value.data)?.length ?? 0)} characters); it cannot be shown.`);
    case 'tool_use':
      return block('tool_use', `Tool use: ${str(value.name) ?? '?'}`, prettyJson(value.input));
    case 'server_tool_use':
      return block('tool_use', `Server tool use: ${str(value.name) ?? '?'}`, prettyJson(value.input));
    case 'mcp_tool_use':
      return block('tool_use', `MCP tool use: ${sentence([str(value.server_name), str(value.name) ?? '?'])}`, prettyJson(value.input));
    case 'tool_result':
    case 'mcp_tool_result':
      return block('tool_result', `Tool result${value.is_error === true ? ' (error)' : ''}`, toolResultBody(value.content));
    default:
      // web_search_tool_result, web_fetch_tool_result, code_execution_tool_result, …: a server tool's answer.
      if (/^[a-z0-9_]+_tool_result$/.test(type)) {
        const tool = type.slice(0, -'_tool_result'.length).replace(/_/g, ' ');
        return block('tool_result', `Tool result: ${tool}`, toolResultBody(value.content));
      }
      return block('other', type ? `Block: ${type}` : 'Block', prettyJson(value));
  }
}

function replyBlocks(message: unknown): ReplyBlockModel[] {
  const content = isRecord(message) ? message.content : undefined;
  if (!Array.isArray(content)) return [block('other', 'Reply', prettyJson(message))];
  const shown = content.slice(0, MAX_BLOCKS).map(replyBlock);
  if (content.length > MAX_BLOCKS) {
    shown.push({ kind: 'other', title: 'More blocks', body: `${exact(content.length - MAX_BLOCKS)} more blocks not shown (Copy gets the whole reply).` });
  }
  return shown;
}

function facts(detail: ResultDetail): Array<{ label: string; value: string }> {
  const { row, result } = detail;
  const out: Array<{ label: string; value: string }> = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.push({ label, value: oneLine(value) });
  };
  add('Model', row.fallbackFrom ? `${row.model} (fallback from ${row.fallbackFrom})` : row.model);
  add('Input tokens', tokens(row.inputTokens));
  add('Output tokens', tokens(row.outputTokens));
  if (row.cacheReadTokens !== null && row.cacheReadTokens > 0) add('Cache read tokens', tokens(row.cacheReadTokens));
  if (row.cacheWriteTokens !== null && row.cacheWriteTokens > 0) add('Cache write tokens', tokens(row.cacheWriteTokens));
  const batch = isRecord(result.usage) && result.usage.service_tier === 'batch';
  const cost = money(row.costUsd);
  add('Cost', row.costUsd === null ? 'not known' : row.simulated ? `${cost} simulated (not real money)` : batch ? `${cost} (batch price)` : cost);
  add('Latency', formatLatency(row.latencyMs));
  add('Attempts', String(row.attempts));
  const outcome = result.result;
  if (outcome.type === 'succeeded' && isRecord(outcome.message)) {
    add('Stop reason', str(outcome.message.stop_reason));
    add('Message id', str(outcome.message.id));
  } else if (outcome.type === 'errored') {
    const envelope: unknown = outcome.error;
    const error = isRecord(envelope) && isRecord(envelope.error) ? envelope.error : undefined;
    add('Error', error ? sentence([str(error.type), str(error.message)]) : undefined);
    add('Request id', isRecord(envelope) ? str(envelope.request_id) : undefined);
  } else if (outcome.type === 'canceled') {
    add('Outcome', 'canceled before it was answered (the run was stopped, or the batch canceled)');
  } else if (outcome.type === 'expired') {
    add('Outcome', 'expired: the batch ended before this request was processed');
  }
  add('Line', `${row.line} of the results file`);
  return out;
}

export function toResultDetailModel(detail: ResultDetail, request: RequestText): ResultDetailModel {
  const { row, result } = detail;
  const outcome = result.result;
  return {
    row: row.row,
    line: row.line,
    customId: oneLine(row.customId),
    status: row.status,
    facts: facts(detail),
    request: 'missing' in request ? { missing: request.missing } : { line: request.line, json: clip(prettyLine(request.text)) },
    reply: outcome.type === 'succeeded' ? replyBlocks(outcome.message) : [],
    error: outcome.type === 'errored' ? clip(prettyJson(outcome.error)) : undefined,
  };
}

// ── Copy ─────────────────────────────────────────────────────────────────

/**
 * What Copy puts on the clipboard, whole (never cut): the reply's text (its text blocks, else the
 * content as JSON), the request line as the input file has it, the error envelope, or the id.
 * Undefined when the row has no such part (a succeeded row has no error).
 */
export function copyText(detail: ResultDetail, part: ResultsCopyPart, request: RequestText): string | undefined {
  const outcome = detail.result.result;
  switch (part) {
    case 'customId':
      return detail.row.customId;
    case 'request':
      return 'missing' in request ? undefined : request.text;
    case 'error':
      return outcome.type === 'errored' ? prettyJson(outcome.error) : undefined;
    case 'reply': {
      if (outcome.type !== 'succeeded') return undefined;
      const content = isRecord(outcome.message) ? outcome.message.content : undefined;
      if (!Array.isArray(content)) return prettyJson(outcome.message);
      const texts = content.filter((c): c is Json => isRecord(c) && c.type === 'text' && typeof c.text === 'string').map((c) => c.text as string);
      return texts.length > 0 ? texts.join('\n\n') : prettyJson(content);
    }
  }
}
