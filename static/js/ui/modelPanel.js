// The Model panel: which model made the result on screen (live or photo), its card, and the
// download progress of the model being loaded.

import { MODELS } from '../settings/config.js';
import { summarizeCard } from './modelcard.js';

export function createModelPanel(ui) {
  return {
    progress(fraction) {
      ui.modelProgress.value = fraction;
      ui.modelProgressText.textContent = `${Math.round(fraction * 100)} %`;
    },

    /** Show model `kind` ('live' | 'photo'); `segmenter` (or null) fills in what the card lacks. */
    show(kind, segmenter, { producedResult = false } = {}) {
      ui.modelUsed.textContent = `${producedResult ? 'This result' : 'Showing'}: the ${kind} model, for ${MODELS[kind].use}.`;
      ui.modelUsed.dataset.model = kind;
      const rows = summarizeCard(segmenter?.card ?? null);
      if (!rows.some(([label]) => label === 'Input') && segmenter) rows.push(['Input', segmenter.inputSize.join('×')]);
      ui.modelCard.replaceChildren(
        ...rows.flatMap(([label, value]) => {
          const term = document.createElement('dt');
          term.textContent = label;
          const detail = document.createElement('dd');
          detail.textContent = value;
          return [term, detail];
        }),
      );
    },
  };
}
