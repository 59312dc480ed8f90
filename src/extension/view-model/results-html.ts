// The results editor's page HTML (a custom editor for *.results.jsonl): the shared webview shell
// (./webview-html) with the results page's landmark. Same strict CSP as the dashboard.
import { webviewHtml, type WebviewHtmlInput } from './webview-html';

/** `scriptUri`: media/dist/results.js; `styleUri`: media/results/results.css. */
export type ResultsHtmlInput = WebviewHtmlInput;

export function resultsHtml(input: ResultsHtmlInput): string {
  return webviewHtml(input, { title: 'Floorline Results', label: 'Floorline results', placeholder: 'Reading the results…' });
}
