// The compositor: person over a new background, drawn into the result canvas. WebGL2 when the
// canvas has it (webgl2/, the GPU pipeline), else Canvas2D (canvas2d.js). Both have one face:
//
//   const compositor = createCompositor({canvas, background: 'blur', backgroundImage});  // structural
//   const frame = compositor.prepare(video, segmenter.inputSize);  // WebGL2: one upload, one stretch
//   compositor.render(frame, mask);             // mask {data | gpu, width, height} from the segmenter
//   compositor.update({blurStrength: 20});      // live settings
//   compositor.cleanUp();
//   compositor.kind                             // 'webgl2' | 'canvas2d'
//
// The choice is made once per canvas: a canvas keeps the first kind of context it hands out, so
// outputContext() tells beforehand which WebGL2 context the compositor will draw with (TF.js can
// then share it: segmenter/backend.js shareWebGLContext).

import { createCanvas2DCompositor } from './canvas2d.js';
import { createGLCompositor, webgl2ContextOf } from './webgl2/compositor.js';
import { DEFAULT_PIPELINE_SETTINGS } from './webgl2/settings.js';

/** Settings only the GPU pipeline has (edge-aware upsampling, light wrap): Canvas2D drops them. */
const PIPELINE_ONLY = Object.freeze(Object.keys(DEFAULT_PIPELINE_SETTINGS));

function withoutPipelineOnly(settings) {
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !PIPELINE_ONLY.includes(key)));
}

export const COMPOSITOR_KINDS = Object.freeze(['auto', 'webgl2', 'canvas2d']);

/** The WebGL2 context a `kind` compositor on `canvas` will draw with, or null (Canvas2D). */
export function outputContext(canvas, kind = 'auto') {
  return kind === 'canvas2d' ? null : webgl2ContextOf(canvas);
}

/**
 * `compositor`: 'auto' (default: WebGL2 when the canvas has it), 'webgl2' (throws without it) or
 * 'canvas2d'. The Canvas2D one does not take pipeline-only settings (light wrap, upsampling…):
 * they are dropped for it.
 */
export function createCompositor({ compositor: kind = 'auto', ...options }) {
  if (!COMPOSITOR_KINDS.includes(kind)) {
    throw new Error(`Invalid compositor: ${JSON.stringify(kind)} (expected one of ${COMPOSITOR_KINDS.join(', ')})`);
  }
  if (kind === 'webgl2' || (kind === 'auto' && webgl2ContextOf(options.canvas))) return createGLCompositor(options);
  return Object.assign(createCanvas2DCompositor(withoutPipelineOnly(options)), { kind: 'canvas2d' });
}
