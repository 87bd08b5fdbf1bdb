// The status line under the title: backend and model pills, and one message that says what just
// happened (info, notice or error). Errors meant for the user are UserErrors: shown as they are.

import { UserError } from '../base/messages.js';
import { wasmThreadsLabel } from '../segmenter/wasmThreads.js';

/**
 * createStatusLine(ui, state) → {message(text, kind, topic), error(error), clear(topic), model(text, kind), backend(name)}.
 * Keeps state.error / state.notice in step with what #status shows. A message about something that
 * can change under it (topic 'background': "Background picture set") is cleared with clear(topic)
 * when that thing changes, so the line never describes a state the page has left.
 */
export function createStatusLine(ui, state) {
  const line = {
    message(text, kind = 'info', topic = '') {
      ui.statusMessage.textContent = text ?? '';
      ui.statusMessage.dataset.kind = kind;
      ui.statusMessage.dataset.topic = topic;
      state.error = kind === 'error' ? text : null;
      state.notice = kind === 'notice' ? text : null;
    },
    error(error) {
      const text = error instanceof Error ? error.message : String(error);
      if (!(error instanceof UserError)) console.error(error);
      line.message(text, 'error');
    },
    /** Empty the line if it still shows a message about `topic`. */
    clear(topic) {
      if (ui.statusMessage.dataset.topic === topic) line.message('');
    },
    model(text, kind) {
      ui.statusModel.textContent = `model: ${text}`;
      ui.statusModel.dataset.kind = kind;
    },
    /** `threads`: the WASM threads where the model runs (a Worker's own); default: this page's. */
    backend(name, threads = undefined) {
      const label = name === 'wasm' ? wasmThreadsLabel(threads ?? undefined) : ''; // "2 threads", or why it is one
      ui.statusBackend.textContent = `backend: ${name ?? '—'}${label ? ` · ${label}` : ''}`;
      ui.statusBackend.dataset.kind = name ? 'ok' : 'pending';
    },
  };
  return line;
}
