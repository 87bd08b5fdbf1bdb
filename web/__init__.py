"""The greenscreen dev server: `greenscreen serve` (or `python -m web`) serves the page's files, nothing else.

    from web import create_app
    app = create_app({"MODEL_DIR": "/tmp/empty"})   # tests override STATIC_DIR, MODEL_DIR, NODE_MODULES

There is deliberately no upload or inference endpoint: segmentation runs in the browser (TF.js), so no
image ever reaches this server. Every route is GET/HEAD only (anything else answers 405), files are
resolved with their symlinks and must stay inside the folder they are served from, and every response
carries a strict Content-Security-Policy and the cross-origin isolation headers (COOP, COEP, CORP).
"""

from __future__ import annotations

import logging
import mimetypes
import os
from pathlib import Path

from flask import Flask, Response, abort, send_file
from werkzeug.security import safe_join

from web.serve import serve_main

__all__ = ["create_app", "serve_main", "CONTENT_SECURITY_POLICY", "VENDOR_DIRS", "MIME_TYPES"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = {
    "STATIC_DIR": REPO_ROOT / "static",
    "MODEL_DIR": None,  # None: STATIC_DIR/model
    "NODE_MODULES": REPO_ROOT / "node_modules",
}

# URL prefix under /vendor/ -> folder inside node_modules. Only these are reachable: the rest of
# node_modules (build tools, sources, package metadata) is never served.
VENDOR_DIRS = {
    "tfjs": "@tensorflow/tfjs/dist",
    "tfjs-backend-wasm": "@tensorflow/tfjs-backend-wasm/dist",
    "selfie_segmentation": "@mediapipe/selfie_segmentation",
    # Video export and MP4 input (ES modules, imported by the page): webm-muxer (MIT), mp4box.js (BSD-3).
    "webm-muxer": "webm-muxer/build",
    "mp4box": "mp4box/dist",
}

# Explicit types for what the page loads: the OS mimetypes table differs between machines, and
# browsers refuse module scripts, WebAssembly.instantiateStreaming and JSON with the wrong type.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
    ".bin": "application/octet-stream",
    ".tflite": "application/octet-stream",
    ".binarypb": "application/octet-stream",
    ".data": "application/octet-stream",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".y4m": "application/octet-stream",
}

# Only this origin may provide code, styles, images, workers and fetch targets.
# 'wasm-unsafe-eval': compiling WebAssembly (the TF.js WASM backend, MediaPipe on the benchmark page).
# img-src blob: data:  the uploaded photo is shown from an object URL, the result PNG is a blob.
# media-src blob: mediastream:  the webcam <video> plays a MediaStream.
# Measured in headless Chromium with TF.js 4.22: the WebGL and WASM backends need nothing more, *if*
# the page loads the es2017 bundles (tf.es2017.min.js): the ES5 tf.min.js calls Function("...")
# (regenerator-runtime polyfill) at load time and dies under any CSP without 'unsafe-eval'.
# blob: in worker-src and script-src: the threaded WASM build's pthread workers. TF.js 4.22 ships no
# worker file; it starts each pthread as `new Worker(blob:)` (its glue's worker code, a string in the
# bundle), and that worker runs `importScripts(blob:)` on a second blob holding the glue's own source
# (`mainScriptUrlOrBlob`). Without blob: in worker-src the workers are refused; without it in
# script-src they start and die in importScripts; either way the pool never reports "loaded" and
# tf.setBackend('wasm') never settles. blob: URLs are minted only by script already running on
# this origin, so this opens no door to other origins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' blob:",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # COOP + COEP make the page cross-origin isolated: SharedArrayBuffer, so TF.js can run its
    # threaded WASM build. require-corp: everything the page loads is ours and says so (CORP below).
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}

NPM_HINT = "front-end libraries are missing: run `npm install` in the project folder"
MODEL_HINT = (
    "model not found: the page loads static/model/live/ and static/model/photo/; export each with "
    "`python convert/export_tfjs.py --out static/model/live` (and --out static/model/photo)"
)

log = logging.getLogger("greenscreen.web")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the file-only Flask app; `test_config` overrides STATIC_DIR, MODEL_DIR, NODE_MODULES."""
    # static_folder=None: Flask's own /static route would bypass the checks below.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(DEFAULT_CONFIG)
    if test_config:
        app.config.from_mapping(test_config)
    static_dir = Path(app.config["STATIC_DIR"])
    model_dir = Path(app.config["MODEL_DIR"] or static_dir / "model")
    node_modules = Path(app.config["NODE_MODULES"])

    def get_only(rule: str, endpoint: str, view) -> None:
        # No automatic OPTIONS either: the only methods this server knows are GET and HEAD.
        app.add_url_rule(rule, endpoint, view, methods=["GET"], provide_automatic_options=False)

    def index():
        return _send_inside(static_dir, "index.html")

    def model_file(filename: str):
        return _send_inside(model_dir, filename, missing_hint=MODEL_HINT)

    def vendor_file(package: str, filename: str):
        if package not in VENDOR_DIRS:
            abort(404)
        if not node_modules.is_dir():
            log.warning("%s (looked in %s)", NPM_HINT, node_modules)
            return _not_found(NPM_HINT)
        return _send_inside(node_modules / VENDOR_DIRS[package], filename, missing_hint=NPM_HINT)

    def static_file(filename: str):
        return _send_inside(static_dir, filename)

    get_only("/", "index", index)
    get_only("/model/<path:filename>", "model_file", model_file)
    get_only("/vendor/<package>/<path:filename>", "vendor_file", vendor_file)
    get_only("/<path:filename>", "static_file", static_file)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(404)
    def not_found(_error):
        return _not_found("not found")

    @app.errorhandler(405)
    def method_not_allowed(_error):
        # Uploads are refused on purpose: the page never sends images anywhere.
        response = _plain("method not allowed: this server only serves files (GET)", 405)
        response.headers["Allow"] = "GET, HEAD"
        return response

    return app


def _send_inside(root: Path, relative: str, missing_hint: str | None = None) -> Response:
    """Send root/relative if it is a regular file whose real path (symlinks resolved) stays inside root."""
    # safe_join refuses '..' segments and absolute paths (also after URL decoding, which the
    # WSGI layer has already done, so %2e%2e%2f arrives here as ../).
    if "\x00" in relative:
        abort(404)
    joined = safe_join(str(root), relative)
    # Dotfiles (.git, .env, editor swap files) are never part of the page.
    if joined is None or any(part.startswith(".") for part in Path(relative).parts):
        abort(404)
    if not root.is_dir():
        if missing_hint:
            log.warning("%s (looked in %s)", missing_hint, root)
            return _not_found(missing_hint)
        abort(404)
    real_root = os.path.realpath(root)
    real_file = os.path.realpath(joined)
    if os.path.commonpath([real_root, real_file]) != real_root or not os.path.isfile(real_file):
        if missing_hint and not os.path.exists(joined):
            return _not_found(missing_hint)
        abort(404)
    response = send_file(real_file, conditional=True, max_age=0)
    response.headers["Content-Type"] = _mime_type(real_file)  # as is: `mimetype=` would add a second charset
    return response


def _mime_type(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    return MIME_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _not_found(message: str) -> Response:
    return _plain(f"404 {message}", 404)


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")
