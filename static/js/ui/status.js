// The status line under the title: backend and model pills, and one message that says what just
// happened (info, notice or error). Errors meant for the user are UserErrors: shown as they are.

import { UserError } from '../base/messages.js';

/**
 * createStatusLine(ui, state) → {message(text, kind), error(error), model(text, kind), backend(name)}.
 * Keeps state.error / state.notice in step with what #status shows.
 */
export function createStatusLine(ui, state) {
  const line = {
    message(text, kind = 'info') {
      ui.statusMessage.textContent = text ?? '';
      ui.statusMessage.dataset.kind = kind;
      state.error = kind === 'error' ? text : null;
      state.notice = kind === 'notice' ? text : null;
    },
    error(error) {
      const text = error instanceof Error ? error.message : String(error);
      if (!(error instanceof UserError)) console.error(error);
      line.message(text, 'error');
    },
    model(text, kind) {
      ui.statusModel.textContent = `model: ${text}`;
      ui.statusModel.dataset.kind = kind;
    },
    backend(name) {
      ui.statusBackend.textContent = `backend: ${name ?? '—'}`;
      ui.statusBackend.dataset.kind = name ? 'ok' : 'pending';
    },
  };
  return line;
}
