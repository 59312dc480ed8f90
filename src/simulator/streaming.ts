// A streamed reply (`stream: true`): the same Message, sent as the API's server-sent events.
import type { ServerResponse } from 'node:http';
import type { MockMessage } from './replies';

/**
 * Open a 200 `text/event-stream` with these headers (the rate-limit ones as of admission: the API
 * sends a stream's headers before the model has generated anything); `messageEvents` follow.
 */
export function openEventStream(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** A whole Message as the API streams it: message_start, each block's start, delta and stop, message_delta with the usage, message_stop. */
export function messageEvents(message: MockMessage): string {
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const { content, stop_reason: stopReason, stop_sequence: stopSequence, usage } = message;
  const stopDetails = (message as unknown as Record<string, unknown>).stop_details;
  const parts = [event('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } })];
  content.forEach((block, index) => {
    parts.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    parts.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }));
    parts.push(event('content_block_stop', { index }));
  });
  parts.push(event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: stopSequence, ...(stopDetails === undefined ? {} : { stop_details: stopDetails }) }, usage }));
  parts.push(event('message_stop', {}));
  return parts.join('');
}
