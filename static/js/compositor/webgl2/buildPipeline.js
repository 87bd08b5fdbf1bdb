// buildPipeline: the GPU compositing pipeline for one frame size, mask size and background kind.
// It owns the shared GL resources (the frame preparer's textures, the mask texture, render
// targets, the quad via the kit), runs the stages in order and frees everything in reverse:
//
//   frame ─► prepare (one upload, one stretch to model size: ../../frame/prepare.js) ─► the model
//              │ full size              │ model size (the guide)
//   mask ──────┴────────────────────────┴► upsample (edge-aware, full size) ─► coverage
//     (smoothstep) ─► background (image | blur | colour | none) ─► composite (light wrap, person
//     over background, mirror) ─► canvas
//
// The mask is a texture TF.js left on the GPU when it shares this context (mask.gpu: a mask row a
// texel row, four values a texel), else a Float32Array uploaded here. Temporal smoothing is not here: the segmenter's
// video path owns it (segmenter/).
//
// Structural settings (sizes, background kind and picture) need a new pipeline; live ones
// (update()) only change uniforms.

import { coverageEdges } from '../../settings/config.js';
import { createBlurBackgroundStage } from './blurBackgroundStage.js';
import { createCompositeStage } from './compositeStage.js';
import { createCoverageStage } from './coverageStage.js';
import { createFillBackgroundStage } from './fillBackgroundStage.js';
import { createFramePreparer } from '../../frame/prepare.js';
import { createGLKit, uploadMask } from '../../gl/kit.js';
import { createImageBackgroundStage } from './imageBackgroundStage.js';
import { checkLiveKeys, validatePipelineSettings } from './settings.js';
import { createUpsampleStage } from './upsampleStage.js';

function createBackgroundStage({ kit, settings, frameSize, backgroundImage }) {
  switch (settings.background) {
    case 'image':
      if (!backgroundImage) throw new Error('buildPipeline: background "image" needs a backgroundImage');
      return createImageBackgroundStage({ kit, image: backgroundImage });
    case 'blur':
      return createBlurBackgroundStage({ kit, frameSize, blurStrength: settings.blurStrength });
    case 'color':
      return createFillBackgroundStage({ kit, color: settings.color });
    case 'none':
      return createFillBackgroundStage({ kit, color: null });
    default:
      throw new Error(`Unknown background kind ${settings.background}`);
  }
}

/**
 * buildPipeline({gl, frameSize: {width, height}, maskSize: {width, height}, backgroundImage,
 * ...settings}) → {prepare(source), render({frame, source, mask}), update(live), readMask(which),
 * cleanUp(), settings}. maskSize is the model's input (and output) size. Settings as
 * validatePipelineSettings.
 */
export function buildPipeline({ gl, frameSize, maskSize, backgroundImage = null, ...options }) {
  let settings = validatePipelineSettings(options);
  const kit = createGLKit(gl);
  try {
    return assemble();
  } catch (error) {
    kit.cleanUp(); // a half-built pipeline leaks nothing either
    throw error;
  }

  function assemble() {
    const full = { width: frameSize.width, height: frameSize.height };
    const maskFormat = kit.targetFormats.mask;
    const preparer = createFramePreparer({ kit, modelSize: maskSize });
    const maskTexture = kit.createTexture({ ...maskSize, format: 'r32f', filter: 'nearest' });
    const targets = {
      upsampled: kit.createTarget({ ...full, format: maskFormat }),
      coverage: kit.createTarget({ ...full, format: maskFormat }),
      background: kit.createTarget(full),
    };
    const stages = {
      upsample: createUpsampleStage({
        kit,
        mode: settings.upsampling,
        radius: settings.bilateralRadius,
        sigmaSpace: settings.sigmaSpace,
        sigmaColor: settings.sigmaColor,
        guidedRadius: settings.guidedRadius,
        guidedEpsilon: settings.guidedEpsilon,
      }),
      coverage: createCoverageStage({ kit, edges: coverageEdges(settings) }),
      background: createBackgroundStage({ kit, settings, frameSize: full, backgroundImage }),
      composite: createCompositeStage({ kit, mirror: settings.mirror, lightWrap: settings.lightWrap }),
    };
    return {
      get settings() {
        return { ...settings };
      },
      /** The upsampling the last frame ran: 'guided' runs 'bilateral' where floats cannot be rendered. */
      get upsamplingInUse() {
        return stages.upsample.modeInUse;
      },
      frameSize: full,
      maskSize: { ...maskSize },
      targetFormats: kit.targetFormats,

      /** Upload `source` (at frameSize) once and stretch it to maskSize: see frame/prepare.js. */
      prepare(source) {
        return preparer.prepare(source);
      },

      /**
       * One frame: `frame` from prepare() (or, when it is not this pipeline's latest, its source is
       * prepared again), or a plain `source` at frameSize; `mask` {data | gpu, width, height} at maskSize.
       */
      render({ frame = null, source = frame?.source, mask }) {
        if (mask.width !== maskSize.width || mask.height !== maskSize.height) {
          throw new Error(`Mask is ${mask.width}×${mask.height}, the pipeline was built for ${maskSize.width}×${maskSize.height}`);
        }
        const prepared = preparer.holds(frame) ? frame : preparer.prepare(source);
        const onGPU = mask.gpu?.gl === gl; // TF.js shares this context: read its texture in place
        if (!onGPU) uploadMask(gl, maskTexture, mask);
        stages.upsample.render({
          mask: onGPU ? mask.gpu.texture : maskTexture,
          maskSize,
          maskLayout: onGPU ? 'rows' : 'values',
          guideLow: prepared.model.texture,
          guide: prepared.texture,
          target: targets.upsampled,
        });
        stages.coverage.render({ mask: targets.upsampled.texture, target: targets.coverage });
        stages.background.render({ frame: prepared.texture, coverage: targets.coverage.texture, target: targets.background });
        stages.composite.render({
          frame: prepared.texture,
          coverage: targets.coverage.texture,
          background: targets.background.texture,
          backgroundFollowsFrame: stages.background.followsFrame,
          target: null,
          width: full.width,
          height: full.height,
        });
      },

      /** Change live settings: uniforms only. */
      update(live) {
        checkLiveKeys(live);
        settings = validatePipelineSettings({ ...settings, ...live });
        stages.upsample.update(settings);
        stages.coverage.update({ edges: coverageEdges(settings) });
        stages.background.update(settings);
        stages.composite.update(settings);
      },

      /**
       * The last frame's full-resolution mask as a Float32Array (row 0 = top, not mirrored):
       * 'upsampled' (the person probability) or 'coverage' (feathered).
       */
      readMask(which = 'upsampled') {
        const target = { upsampled: targets.upsampled, coverage: targets.coverage }[which];
        if (!target) throw new Error(`readMask: unknown mask "${which}" (upsampled, coverage)`);
        const rgba = kit.readTarget(target);
        const out = new Float32Array(target.width * target.height);
        for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4];
        return out;
      },

      /** Free the stages in reverse order, then the preparer, then every texture and framebuffer. */
      cleanUp() {
        for (const stage of Object.values(stages).reverse()) stage.cleanUp();
        preparer.cleanUp();
        kit.cleanUp();
      },
    };
  }
}
