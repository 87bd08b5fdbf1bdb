// window.greenscreen: the page as scripts and tests drive it. Everything a user can do (a photo, a
// video, the camera, a background) plus what tests look at: state, stats, probe() (tensors, GL
// objects, uploads, the mask on screen, wherever the frame path runs) and, only when it runs on
// the main thread (?framepath=main), the live objects themselves (segmenter, compositor, lastMask).

export function createAutomationApi({ ready, state, stats, engine, flows }) {
  const inside = () => engine()?.internals ?? null; // main thread only
  return {
    ready,
    state,
    stats,
    /** 'worker' or 'main': where the frame path runs (null while it starts). */
    get framePath() {
      return engine()?.where ?? null;
    },
    /** Tensors, GL objects and uploads, the mask on screen ({withMask: true} adds its values). */
    probe: (options) => engine().probe(options),
    /** Run each GPU pipeline stage on tiny inputs against its JS reference (tests/e2e). */
    pipelineSelfTest: () => engine().selfTest(),
    /** The result canvas as a MediaStream (e.g. to hand to a video call); 30 fps by default. */
    captureStream: (fps = 30) => document.getElementById('result').captureStream(fps),
    /** Segment and composite a photo Blob/File, as if dropped on the page; resolves to its size. */
    processPhoto: (file) => flows().photo.process(file),
    startWebcam: () => flows().camera.webcam.start(),
    stopWebcam: () => flows().camera.webcam.stop(),
    /** Open a video File as the source (as if chosen in #video-input); resolves to its size, or rejects. */
    processVideo: (file) => flows().video.choose(file),
    /** Export the chosen video (as #export-video does); resolves when the download is handed over. */
    exportVideo: () => flows().video.export(),
    cancelExport: () => flows().video.cancel(),
    get exporting() {
      return flows()?.video.exporting ?? false;
    },
    /** Use a picture or video File as the background (as "Upload a picture or video" does). */
    uploadBackground: (file) => flows().settings.upload(file),
    get userBackground() {
      return flows()?.settings.userBackground ?? null;
    },
    /** Measure the backends again (as Measure again does). */
    measureAgain: () => flows().measureAgain(),

    // Main thread only (null in a Worker): the objects tests reach inside.
    /** The live segmenter (camera and video frames), or null while it loads. */
    get segmenter() {
      return inside()?.models.get('live') ?? null;
    },
    get segmenters() {
      const models = inside()?.models;
      return models ? { live: models.get('live'), photo: models.get('photo') } : null;
    },
    get compositor() {
      return inside()?.compositor ?? null;
    },
    get compositorKind() {
      return state.compositorKind;
    },
    get lastMask() {
      return inside()?.lastMask ?? null;
    },
    segmenterFor: (kind) => inside().segmenterFor(kind),
  };
}
