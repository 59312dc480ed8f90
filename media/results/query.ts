// The results page's queries, statuses and actions, without DOM: what the sort headers, the status
// chips, the toolbar's filters and the action buttons make of a click. Pure functions, tested by
// test/unit/media/results-page.test.ts. The host owns the query; the page sends it whole.
import type { ResultsQueryModel, ResultsSortColumn, ResultStatusModel, ResultsTotalsModel } from '../../src/extension/protocol';

export const SEARCH_DEBOUNCE_MS = 200;
/** What the guard accepts (protocol.ts): longer searches are cut, more models dropped. */
const MAX_TEXT_LENGTH = 1000;
const MAX_MODELS = 100;

// ── Queries ────────────────────────────────────────────────────────────────

export const STATUS_ORDER: readonly ResultStatusModel[] = ['succeeded', 'errored', 'canceled', 'expired'];

/** Each status's words, codicon and colour (a --sev-* alias results.css defines, or muted). */
export const STATUS_INFO: Record<ResultStatusModel, { label: string; icon: string; tone: 'ok' | 'error' | 'warning' | 'muted' }> = {
  succeeded: { label: 'Succeeded', icon: 'pass', tone: 'ok' },
  errored: { label: 'Errored', icon: 'error', tone: 'error' },
  canceled: { label: 'Canceled', icon: 'circle-slash', tone: 'muted' },
  expired: { label: 'Expired', icon: 'watch', tone: 'warning' },
};

export const DEFAULT_QUERY: ResultsQueryModel = { sort: 'row', descending: false, statuses: [], models: [], search: '' };

/** A click on a column's header: the same column flips its direction, another sorts ascending. */
export function toggleSort(query: ResultsQueryModel, column: ResultsSortColumn): ResultsQueryModel {
  return { ...query, sort: column, descending: query.sort === column ? !query.descending : false };
}

export function ariaSort(query: ResultsQueryModel, column: ResultsSortColumn): 'ascending' | 'descending' | 'none' {
  if (query.sort !== column) return 'none';
  return query.descending ? 'descending' : 'ascending';
}

/** Only the known statuses, once each, in their usual order. */
export function withStatuses(query: ResultsQueryModel, statuses: readonly string[]): ResultsQueryModel {
  return { ...query, statuses: STATUS_ORDER.filter((s) => statuses.includes(s)) };
}

/** A status chip: adds the status to the filter, or takes it out. */
export function toggleStatus(query: ResultsQueryModel, status: ResultStatusModel): ResultsQueryModel {
  const on = query.statuses.includes(status);
  return withStatuses(query, on ? query.statuses.filter((s) => s !== status) : [...query.statuses, status]);
}

export function withModels(query: ResultsQueryModel, models: readonly string[]): ResultsQueryModel {
  const unique = [...new Set(models.filter((m) => typeof m === 'string' && m.length <= MAX_TEXT_LENGTH))];
  return { ...query, models: unique.slice(0, MAX_MODELS) };
}

export function withSearch(query: ResultsQueryModel, search: string): ResultsQueryModel {
  return { ...query, search: search.slice(0, MAX_TEXT_LENGTH) };
}

export function clearFilters(query: ResultsQueryModel): ResultsQueryModel {
  return { ...query, statuses: [], models: [], search: '' };
}

export function sameQuery(a: ResultsQueryModel, b: ResultsQueryModel): boolean {
  return (
    a.sort === b.sort && a.descending === b.descending && a.search === b.search &&
    a.statuses.length === b.statuses.length && a.statuses.every((s, i) => b.statuses[i] === s) &&
    a.models.length === b.models.length && a.models.every((m, i) => b.models[i] === m)
  );
}

// ── Actions ────────────────────────────────────────────────────────────────

/** Whether "Re-run errored" and "Submit errored as batch" can run, and if not, why (their title). */
export function erroredActions(totals: Pick<ResultsTotalsModel, 'counts' | 'hasInput' | 'canRun'>): { enabled: boolean; reason: string } {
  if (totals.counts.errored === 0) return { enabled: false, reason: 'No errored results to run again.' };
  if (!totals.hasInput) return { enabled: false, reason: 'The input file of these results was not found.' };
  if (!totals.canRun) return { enabled: false, reason: 'Runs are off in an untrusted workspace.' };
  return { enabled: true, reason: '' };
}
