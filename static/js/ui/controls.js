// The settings controls: filled from the settings, and bound to handlers the wiring (app.js)
// provides. No state of their own.

import { backgroundChoiceValue, parseBackgroundChoice } from '../settings/userSettings.js';

/** The background <select>'s pictures: the built-in ones, plus "Your picture" when there is one. */
export function fillBackgroundOptions(ui, builtIns, userBackgroundId = null, userLabel = 'Your picture') {
  const options = builtIns.map(({ id, label }) => new Option(label, `image:${id}`));
  if (userBackgroundId) options.push(new Option(userLabel, `image:${userBackgroundId}`));
  ui.backgroundPictures.replaceChildren(...options);
  ui.backgroundForget.hidden = !userBackgroundId;
}

/** Show `settings` in every control. */
export function syncControls(ui, settings) {
  ui.backgroundSelect.value = backgroundChoiceValue(settings);
  ui.blur.value = settings.blurStrength;
  ui.blurValue.textContent = `${settings.blurStrength}`;
  ui.color.value = settings.color;
  ui.feather.value = settings.feather;
  ui.featherValue.textContent = settings.feather.toFixed(2);
  ui.smoothing.value = settings.smoothing;
  ui.smoothingValue.textContent = settings.smoothing.toFixed(2);
  ui.mirror.checked = settings.mirror;
  ui.tta.checked = settings.photoFlipTTA;
  ui.mainPerson.checked = settings.mainPerson;
  ui.exportPhotoModel.checked = settings.videoExportModel === 'photo';
  ui.backendSelect.value = settings.backend;
  ui.blurField.hidden = settings.background !== 'blur';
  ui.colorField.hidden = settings.background !== 'color';
  ui.dropZone.dataset.background = settings.background;
}

/**
 * Bind the controls. handlers: change(changes, {structural}) for settings, backend(name),
 * measureAgain(), uploadBackground(file), forgetBackground(), toggleWebcam(), download().
 */
export function bindControls(ui, handlers) {
  ui.backgroundSelect.addEventListener('change', () =>
    handlers.change(parseBackgroundChoice(ui.backgroundSelect.value), { structural: true }),
  );
  ui.blur.addEventListener('input', () => handlers.change({ blurStrength: Number(ui.blur.value) }));
  ui.color.addEventListener('input', () => handlers.change({ color: ui.color.value }));
  ui.feather.addEventListener('input', () => handlers.change({ feather: Number(ui.feather.value) }));
  ui.smoothing.addEventListener('input', () => handlers.change({ smoothing: Number(ui.smoothing.value) }));
  ui.mirror.addEventListener('change', () => handlers.change({ mirror: ui.mirror.checked }));
  ui.tta.addEventListener('change', () => handlers.change({ photoFlipTTA: ui.tta.checked }));
  ui.mainPerson.addEventListener('change', () => handlers.change({ mainPerson: ui.mainPerson.checked }));
  ui.exportPhotoModel.addEventListener('change', () =>
    handlers.change({ videoExportModel: ui.exportPhotoModel.checked ? 'photo' : 'live' }),
  );
  ui.backendSelect.addEventListener('change', () => handlers.backend(ui.backendSelect.value));
  ui.backendMeasure.addEventListener('click', () => handlers.measureAgain());
  ui.backgroundInput.addEventListener('change', () => {
    const file = ui.backgroundInput.files?.[0];
    ui.backgroundInput.value = ''; // choosing the same file again still fires "change"
    if (file) handlers.uploadBackground(file);
  });
  ui.backgroundForget.addEventListener('click', () => handlers.forgetBackground());
  ui.webcamStart.addEventListener('click', () => handlers.toggleWebcam());
  ui.hintWebcam.addEventListener('click', () => handlers.toggleWebcam());
  ui.download.addEventListener('click', () => handlers.download());
  ui.videoInput.addEventListener('change', () => {
    const file = ui.videoInput.files?.[0];
    ui.videoInput.value = '';
    if (file) handlers.chooseVideo(file);
  });
}

/** The camera button and the hint's button follow the webcam's state ('off' | 'starting' | 'on'). */
export function showWebcamState(ui, webcamState) {
  const on = webcamState !== 'off';
  ui.webcamStart.textContent = on ? 'Stop camera' : 'Start camera';
  ui.webcamStart.setAttribute('aria-pressed', String(on));
  ui.webcamStart.classList.toggle('active', on);
  ui.hintWebcam.textContent = on ? 'Starting…' : 'Start camera';
}
