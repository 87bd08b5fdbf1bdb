"""JavaScript the browser tests inject into the page (passed to page.evaluate)."""

# Wraps the live segmenter's segmentForVideo() (every camera frame goes through it): counts calls
# in flight (the camera loop must wait for each frame before the next) and records
# tf.memory().numTensors after each one has finished.
SEGMENT_PROBE = """() => {
    const segmenter = window.greenscreen.segmenter;
    const original = segmenter.segmentForVideo;
    const probe = {inFlight: 0, maxInFlight: 0, calls: 0, tensors: [], failures: 0};
    segmenter.segmentForVideo = async (...args) => {
        probe.inFlight++;
        probe.calls++;
        probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
        try {
            return await original(...args);
        } catch (error) {
            probe.failures++;
            throw error;
        } finally {
            probe.inFlight--;
            probe.tensors.push(tf.memory().numTensors);
        }
    };
    window.__e2eProbe = probe;
}"""

# The browser self-test's cases (static/js/compositor/selftest/selftest.js) where WebGL2 renders floats:
# stretch, 3 bilinear/bilateral upsamplings, 2 guided step edges, the random guided one, 2 coverage, blur,
# composite, orientation.
SELF_TEST_CASES = 12
