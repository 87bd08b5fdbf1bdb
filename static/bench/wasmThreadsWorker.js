// A dedicated Worker that starts TF.js's WASM backend through static/js/segmenter/wasmThreads.js,
// the way the page's segmenter will once it runs in a Worker (issue 14). Used by
// tests/e2e/test_e2e_threads.py: post {threads} (null: the default), get back what TF.js runs.
// A classic worker: TF.js's bundles are classic scripts (importScripts); our module comes in by import().

importScripts('/vendor/tfjs/tf.es2017.min.js', '/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js');

self.onmessage = async ({ data }) => {
  try {
    const { configureWasmThreads, describeWasmThreads, setWasmThreadOptions } = await import('/js/segmenter/wasmThreads.js');
    setWasmThreadOptions({ threads: data.threads ?? null });
    tf.wasm.setWasmPaths('/vendor/tfjs-backend-wasm/');
    configureWasmThreads(tf);
    const ok = await tf.setBackend('wasm');
    if (!ok || tf.getBackend() !== 'wasm') throw new Error(`the WASM backend did not start (${tf.getBackend()})`);
    const product = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);
    self.postMessage({ ...describeWasmThreads(tf), crossOriginIsolated: self.crossOriginIsolated, product });
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
