// How the results page's components speak to each other and to main.ts: DOM events that bubble out
// of every shadow root (`composed`). Messages for the host go out as the dashboard's `fl-post`
// (../../dashboard/components/events, which main.ts forwards as they are); these are the page's own.
import type { ResultsQueryModel } from '../../../src/extension/protocol';

/** A row was chosen: `row` is its position in the file; `open` (Enter, double-click) also moves to the detail. */
type SelectEvent = CustomEvent<{ row: number; open: boolean }>;

declare global {
  interface HTMLElementEventMap {
    'fl-results-query': CustomEvent<ResultsQueryModel>;
    'fl-results-select': SelectEvent;
    'fl-results-close-detail': CustomEvent<null>;
  }
}

/** Asks <fl-results> to send a new query (the host answers with a new view). */
export function changeQuery(from: HTMLElement, query: ResultsQueryModel): void {
  from.dispatchEvent(new CustomEvent('fl-results-query', { detail: query, bubbles: true, composed: true }));
}

export function selectRow(from: HTMLElement, row: number, open: boolean): void {
  from.dispatchEvent(new CustomEvent('fl-results-select', { detail: { row, open }, bubbles: true, composed: true }));
}

export function closeDetail(from: HTMLElement): void {
  from.dispatchEvent(new CustomEvent('fl-results-close-detail', { detail: null, bubbles: true, composed: true }));
}
