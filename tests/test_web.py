"""Tests for the file-only dev server (web/): `pytest tests/test_web.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from web import CONTENT_SECURITY_POLICY, VENDOR_DIRS, create_app
from web.serve import build_parser, is_loopback


@pytest.fixture()
def site(tmp_path: Path) -> dict[str, Path]:
    """A small static/ + node_modules/ tree, plus a secret file outside both."""
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "css").mkdir()
    (static / "model").mkdir()
    (static / "index.html").write_text("<!doctype html><title>greenscreen</title>")
    (static / "js" / "app.js").write_text("export const x = 1;\n")
    (static / "js" / "worker.mjs").write_text("export {};\n")
    (static / "css" / "app.css").write_text("body {}\n")
    (static / "model" / "model.json").write_text('{"format": "graph-model"}')
    (static / "model" / "group1-shard1of1.bin").write_bytes(b"\x00\x01\x02\x03")
    (static / ".hidden").write_text("dotfile")

    node_modules = tmp_path / "node_modules"
    tfjs = node_modules / "@tensorflow" / "tfjs" / "dist"
    wasm = node_modules / "@tensorflow" / "tfjs-backend-wasm" / "dist"
    tfjs.mkdir(parents=True)
    wasm.mkdir(parents=True)
    (tfjs / "tf.min.js").write_text("var tf = {};\n")
    (node_modules / "@tensorflow" / "tfjs" / "package.json").write_text("{}")
    (wasm / "tfjs-backend-wasm-simd.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00")
    (node_modules / "left-pad").mkdir()
    (node_modules / "left-pad" / "index.js").write_text("module.exports = 1;\n")

    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    return {"root": tmp_path, "static": static, "node_modules": node_modules, "secret": secret}


@pytest.fixture()
def client(site):
    app = create_app({"STATIC_DIR": site["static"], "NODE_MODULES": site["node_modules"], "TESTING": True})
    return app.test_client()


@pytest.mark.parametrize(
    "url, mime",
    [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/js/app.js", "text/javascript"),
        ("/js/worker.mjs", "text/javascript"),
        ("/css/app.css", "text/css"),
        ("/model/model.json", "application/json"),
        ("/model/group1-shard1of1.bin", "application/octet-stream"),
        ("/vendor/tfjs/tf.min.js", "text/javascript"),
        ("/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm", "application/wasm"),
    ],
)
def test_serves_files_with_their_mime_type(client, url, mime):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == mime


def test_serves_file_content_unchanged(client, site):
    response = client.get("/model/group1-shard1of1.bin")
    assert response.data == b"\x00\x01\x02\x03"
    assert client.get("/").data == (site["static"] / "index.html").read_bytes()


@pytest.mark.parametrize("url", ["/", "/js/app.js", "/vendor/tfjs/tf.min.js", "/no/such/file.js"])
def test_every_response_carries_security_headers(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "method, url",
    [("get", "/"), ("get", "/js/app.js"), ("get", "/model/model.json"), ("get", "/vendor/tfjs/tf.min.js"),
     ("get", "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm"), ("get", "/no/such/file.js"),
     ("head", "/"), ("post", "/")],
)
def test_every_response_is_cross_origin_isolated(client, method, url):
    # COOP + COEP on the document make it crossOriginIsolated (SharedArrayBuffer: threaded WASM);
    # COEP on scripts makes workers isolated too; CORP lets the isolated page load our own files.
    response = getattr(client, method)(url)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_csp_allows_only_own_origin():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    # blob: only for the threaded WASM build's pthread workers (new Worker(blob:) + importScripts(blob:))
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval' blob:"
    assert directives["worker-src"] == "'self' blob:"
    assert directives["connect-src"] == "'self'"  # no fetch/XHR/WebSocket to anywhere else
    assert directives["img-src"] == "'self' blob: data:"
    assert "mediastream:" in directives["media-src"]
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY.replace("'wasm-unsafe-eval'", "")
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/", "/upload", "/predict", "/js/app.js", "/model/model.json", "/vendor/tfjs/tf.min.js"])
def test_no_upload_endpoint(client, method, url):
    response = getattr(client, method)(url, data={"photo": (open(__file__, "rb"), "photo.jpg")})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_head_works_options_does_not(client):
    assert client.head("/js/app.js").status_code == 200
    assert client.options("/js/app.js").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/js/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/js/..%2f..%2fsecret.txt",
        "/model/..%2f..%2fsecret.txt",
        "/model/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/vendor/tfjs/..%2f..%2f..%2f..%2fsecret.txt",
        "/vendor/tfjs/%2e%2e%2fpackage.json",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/js//etc/passwd",
        "/.hidden",
        "/js/app.js%00.png",
    ],
)
def test_traversal_is_404(client, url):
    response = client.get(url)
    assert response.status_code == 404, url
    assert b"top secret" not in response.data and b"root:" not in response.data


def test_absolute_path_is_404(client, site):
    # The secret's absolute path glued onto each served prefix.
    for prefix in ("", "/model", "/vendor/tfjs", "/js"):
        assert client.get(prefix + "/" + str(site["secret"])).status_code == 404


def test_symlink_out_of_served_folder_is_404(client, site):
    (site["static"] / "js" / "leak.js").symlink_to(site["secret"])
    (site["static"] / "outside").symlink_to(site["root"], target_is_directory=True)
    (site["node_modules"] / "@tensorflow" / "tfjs" / "dist" / "leak.js").symlink_to(site["secret"])
    assert client.get("/js/leak.js").status_code == 404
    assert client.get("/outside/secret.txt").status_code == 404
    assert client.get("/vendor/tfjs/leak.js").status_code == 404


def test_symlink_inside_served_folder_is_served(client, site):
    (site["static"] / "js" / "alias.js").symlink_to(site["static"] / "js" / "app.js")
    response = client.get("/js/alias.js")
    assert response.status_code == 200 and response.data == b"export const x = 1;\n"


def test_vendor_whitelist(client):
    assert client.get("/vendor/tfjs/tf.min.js").status_code == 200
    # Package metadata outside dist/, other packages and unknown prefixes stay private.
    assert client.get("/vendor/tfjs/../package.json").status_code == 404
    assert client.get("/vendor/left-pad/index.js").status_code == 404
    assert client.get("/vendor/@tensorflow/tfjs/dist/tf.min.js").status_code == 404
    assert client.get("/node_modules/@tensorflow/tfjs/dist/tf.min.js").status_code == 404
    assert set(VENDOR_DIRS) == {"tfjs", "tfjs-backend-wasm", "selfie_segmentation", "webm-muxer", "mp4box"}


def test_missing_node_modules_says_run_npm_install(site, tmp_path):
    app = create_app({"STATIC_DIR": site["static"], "NODE_MODULES": tmp_path / "nowhere"})
    response = app.test_client().get("/vendor/tfjs/tf.min.js")
    assert response.status_code == 404
    assert b"npm install" in response.data


def test_missing_vendor_file_says_run_npm_install(client):
    response = client.get("/vendor/tfjs-backend-wasm/tf-backend-wasm.min.js")
    assert response.status_code == 404 and b"npm install" in response.data


def test_missing_model_is_404_with_hint(site, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    app = create_app({"STATIC_DIR": site["static"], "NODE_MODULES": site["node_modules"], "MODEL_DIR": empty})
    response = app.test_client().get("/model/live/model.json")
    assert response.status_code == 404
    assert b"export_tfjs.py" in response.data
    # The rest of the page is still served.
    assert app.test_client().get("/js/app.js").status_code == 200


def test_model_dir_override_serves_from_there(site, tmp_path):
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "photo").mkdir()
    (other / "photo" / "model.json").write_text('{"other": true}')
    app = create_app({"STATIC_DIR": site["static"], "NODE_MODULES": site["node_modules"], "MODEL_DIR": other})
    assert app.test_client().get("/model/photo/model.json").json == {"other": True}


def test_default_app_serves_repo_vendor_files(repo_root):
    tf_min = repo_root / "node_modules" / "@tensorflow" / "tfjs" / "dist" / "tf.min.js"
    if not tf_min.is_file():
        pytest.skip("node_modules not installed (npm install)")
    client = create_app().test_client()
    response = client.get("/vendor/tfjs/tf.min.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    wasm = client.get("/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm")
    assert wasm.status_code == 200 and wasm.data[:4] == b"\x00asm"
    # The video export's ES modules, with their relative imports beside them.
    for url in ("/vendor/webm-muxer/webm-muxer.mjs", "/vendor/mp4box/mp4box.all.mjs"):
        module = client.get(url)
        assert module.status_code == 200 and module.mimetype == "text/javascript", url


def test_serve_defaults_to_loopback():
    args = build_parser().parse_args([])
    assert args.host == "127.0.0.1" and args.port == 5000
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_serve_rejects_bad_port(port, capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--port", port])
    assert exited.value.code == 2
    assert "port" in capsys.readouterr().err


def test_serve_main_reports_port_in_use(capsys):
    import socket

    from web import serve_main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = serve_main(["--port", str(taken.getsockname()[1])])
    assert code == 1
    assert "cannot listen" in capsys.readouterr().err


def test_served_file_is_revalidated(client, site):
    # Edits to static/ show up on reload: conditional requests, no long max-age.
    response = client.get("/js/app.js")
    assert "max-age=0" in response.headers.get("Cache-Control", "")


def test_content_type_names_its_charset_once(client):
    for path in ("/", "/js/app.js", "/css/app.css"):
        content_type = client.get(path).headers["Content-Type"]
        assert content_type.count("charset") == 1, f"{path}: {content_type}"


def test_a_port_in_use_is_one_error_line_that_says_how_to_pick_another(capsys):
    import socket

    from web.serve import serve_main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve_main(["--port", str(port)]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert f"make serve PORT={port + 1}" in last
