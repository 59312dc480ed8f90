// The dashboard page's HTML: the shared webview shell (./webview-html) with the dashboard's landmark.
import { webviewHtml, type WebviewHtmlInput } from './webview-html';

/** `scriptUri`: media/dist/dashboard.js; `styleUri`: media/dashboard/dashboard.css. */
export type DashboardHtmlInput = WebviewHtmlInput;

export function dashboardHtml(input: DashboardHtmlInput): string {
  return webviewHtml(input, { title: 'Floorline', label: 'Floorline dashboard', placeholder: 'Waiting for the dispatcher…' });
}
