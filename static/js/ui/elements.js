// The page's elements by role, looked up once (index.html ids).

const IDS = {
  status: 'status',
  statusBackend: 'status-backend',
  statusModel: 'status-model',
  statusMessage: 'status-message',
  statusWhere: 'status-where',
  result: 'result',
  dropZone: 'drop-zone',
  stageHint: 'stage-hint',
  stats: 'stats',
  download: 'download',
  video: 'webcam-video',
  photoInput: 'photo-input',
  webcamStart: 'webcam-start',
  hintWebcam: 'hint-webcam',
  mirror: 'mirror-toggle',
  tta: 'tta-toggle',
  backgroundSelect: 'background-select',
  backgroundPictures: 'background-pictures',
  backgroundInput: 'background-input',
  backgroundForget: 'background-forget',
  blurField: 'blur-field',
  blur: 'blur-strength',
  blurValue: 'blur-value',
  colorField: 'color-field',
  color: 'color-picker',
  feather: 'feather',
  featherValue: 'feather-value',
  smoothing: 'smoothing',
  smoothingValue: 'smoothing-value',
  backendSelect: 'backend-select',
  modelProgress: 'model-progress',
  modelProgressText: 'model-progress-text',
  modelUsed: 'model-used',
  modelCard: 'model-card',
  mainPerson: 'main-person-toggle',
  backendReason: 'backend-reason',
  backendMeasure: 'backend-measure',
  videoInput: 'video-input',
  exportVideo: 'export-video',
  cancelExport: 'cancel-export',
  exportProgress: 'export-progress',
  exportProgressText: 'export-progress-text',
  exportPhotoModel: 'export-photo-model-toggle',
  record: 'record',
  recordTimer: 'record-timer',
};

/** {role: element} for every id above; throws naming the first one the page lacks. */
export function findElements(document) {
  return Object.fromEntries(
    Object.entries(IDS).map(([role, id]) => {
      const element = document.getElementById(id);
      if (!element) throw new Error(`The page has no #${id} element`);
      return [role, element];
    }),
  );
}
