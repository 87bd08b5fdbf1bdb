// Background stage for a picture: drawn cover-fit (fills the frame, centred, cropped, never
// stretched; geometry.coverRect). The picture is uploaded once, with mipmaps so that a big photo
// shrunk to a small frame does not shimmer.

import { coverRect } from '../geometry.js';
import { FRAGMENT_HEADER, uploadImage } from '../../gl/kit.js';
import { sourceSize } from '../geometry.js';

const FRAGMENT = `${FRAGMENT_HEADER}
uniform sampler2D u_image;
uniform vec2 u_outputSize;
uniform vec4 u_crop;   // (x, y, width, height) of the visible part, in texture coordinates

void main() {
  vec2 uv = gl_FragCoord.xy / u_outputSize;
  outColor = vec4(texture(u_image, u_crop.xy + uv * u_crop.zw).rgb, 1.0);
}`;

/** createImageBackgroundStage({kit, image}) → {render({target}), update(), cleanUp()} */
export function createImageBackgroundStage({ kit, image }) {
  const { gl } = kit;
  const { width, height } = sourceSize(image);
  if (!width || !height) throw new Error('The background picture has no pixels');
  const program = kit.createProgram({ fragment: FRAGMENT, uniforms: ['u_image', 'u_outputSize', 'u_crop'] });
  const texture = kit.createTexture({ width: 1, height: 1 });
  // A video background is uploaded again on every render: a looping <video>, its current frame; one
  // streamed into the Worker ({currentFrame()}: engine/streamedBackground.js), when its frame changed.
  const element = typeof HTMLVideoElement !== 'undefined' && image instanceof HTMLVideoElement;
  const streamed = typeof image.currentFrame === 'function';
  const moving = element || streamed;
  let uploaded = streamed ? image.currentFrame() : image;
  uploadImage(gl, texture, uploaded);
  if (!moving) {
    gl.generateMipmap(gl.TEXTURE_2D);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR_MIPMAP_LINEAR);
  }
  return {
    followsFrame: false,
    render({ target }) {
      if (element && image.readyState >= 2) uploadImage(gl, texture, image);
      if (streamed && image.currentFrame() !== uploaded) uploadImage(gl, texture, (uploaded = image.currentFrame()));
      const { sx, sy, sw, sh } = coverRect(width, height, target.width, target.height);
      program.use();
      kit.bindTextures(program, { u_image: texture });
      gl.uniform2f(program.uniforms.u_outputSize, target.width, target.height);
      gl.uniform4f(program.uniforms.u_crop, sx / width, sy / height, sw / width, sh / height);
      kit.drawQuad(target);
    },
    update() {},
    cleanUp() {
      kit.deleteTexture(texture);
      program.delete();
    },
  };
}
