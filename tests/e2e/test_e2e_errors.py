"""Bad inputs and a missing model in headless Chromium: `pytest -m e2e tests/e2e/test_e2e_errors.py`.

Each failure must end as one clear line in #status, and the page must keep working afterwards.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def jpeg_bytes(astronaut) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(astronaut).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.fixture()
def app(shared_pages, light_server):
    """One page for the module, on WASM with the light live model answering photos too: these tests
    are about the page's answers, not the models (test_e2e_photo.py has the photo model on WebGL)."""
    return shared_pages.get(light_server, backend="wasm")


def test_status_names_the_backend(app):
    assert "backend: wasm" in app.status_text()
    assert app.evaluate("() => tf.getBackend()") == "wasm"
    assert "model: ready" in app.status_text()


@pytest.mark.parametrize(
    "name, make, expected",
    [
        ("notes.jpg", lambda astronaut: b"these are my notes, not a photo\n" * 20, "could not be decoded"),
        ("empty.jpg", lambda astronaut: b"", "empty"),
        ("cut.jpg", lambda astronaut: half(jpeg_bytes(astronaut)), "could not be decoded"),
    ],
    ids=["text-as-jpg", "empty", "truncated-jpeg"],
)
def test_bad_photo_gives_a_clear_message_then_a_good_photo_works(app, astronaut, astronaut_png, name, make, expected):
    bad = {"name": name, "mimeType": "image/jpeg", "buffer": make(astronaut)}
    assert app.upload_photo(bad) == "error", f"{name} was accepted: {app.status_text()}"
    message = app.page.inner_text("#status-message")
    assert name in message and expected in message, message
    assert "\n" not in message.strip() and "Error:" not in message and " at " not in message

    assert app.upload_photo(str(astronaut_png)) == "done", app.status_text()
    assert app.page.get_attribute("#status-message", "data-kind") != "error"
    assert app.network.problems(app.server.origin) == []


def test_missing_model_names_the_file_and_the_fix(open_page, server_without_model, astronaut_png):
    app = open_page(server_without_model, wait=False)
    failure = app.wait_ready()
    assert failure, "the page claims to be ready without a model"
    status = app.status_text()
    assert "model.json" in status, status
    assert "python convert/export_tfjs.py" in status, status
    assert "static/model/live" in status, status  # the folder the live model belongs in
    # The rest of the page still runs: a photo gets a clear answer instead of a hang.
    assert app.upload_photo(str(astronaut_png)) == "error"
    assert "model" in app.page.inner_text("#status-message").lower()
    assert app.network.problems(app.server.origin) == []
