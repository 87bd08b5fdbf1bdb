// The frame path's Worker. A classic worker, not a module one: TF.js 4.22 ships its WASM backend
// only as a classic script or as ESM with bare imports ('@tensorflow/tfjs-core') that a browser
// cannot resolve without a bundler, so both TF.js bundles come in with importScripts and our ES
// modules with import(). The page waits for 'booted' (or 'failed') before it sends anything.
importScripts('/vendor/tfjs/tf.es2017.min.js', '/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js');

import('./workerMain.js').then(
  ({ serve }) => serve(self),
  (error) => postMessage({ type: 'failed', message: `The frame path's modules did not load in the Worker: ${error?.message ?? error}` }),
);
