// Rules every dashboard component needs inside its shadow root. Colours are --vscode-* variables
// (and the --sev-*, --muted, --track, --border aliases dashboard.css defines on :root): custom
// properties inherit into shadow roots, so the page follows the editor's theme.
import { css } from 'lit';

export const shared = css`
  :host {
    display: block;
  }

  /* \`:host { display: block }\` would beat the browser's own [hidden] rule. */
  :host([hidden]),
  [hidden] {
    display: none !important;
  }

  .caption {
    color: var(--muted);
    font-size: 0.9em;
    margin: 2px 0 0;
  }

  .detail {
    margin: 4px 0 8px;
  }

  button:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 1px;
  }

  /* Icons take the colour of the text they stand in, unless they carry a severity. */
  vscode-icon {
    color: inherit;
  }

  vscode-icon[data-severity='ok'] {
    color: var(--sev-ok);
  }

  vscode-icon[data-severity='warning'] {
    color: var(--sev-warning);
  }

  vscode-icon[data-severity='error'] {
    color: var(--sev-error);
  }
`;
