"""Model registry: search order, missing-model messages, and verified resumable downloads
against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import ModelMissingError, ModelVerifyError
from engine.jobs.events import CancelToken
from engine.models import ModelFile, ModelRegistry, ModelSpec, download_file

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at /model.bin with Range support; counts the bytes it sends."""

    sent: list[tuple[int, int]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if self.path != "/model.bin":
            self.send_error(404)
            return
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes="):
            start = int(header[6:].split("-")[0])
            if start >= len(PAYLOAD):  # nothing past the asked start: 416, as real servers answer
                type(self).sent.append((start, 0))  # recorded before answering: the client may be done first
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(PAYLOAD)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        type(self).sent.append((start, len(body)))  # recorded before answering: the client may be done first
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    RangeHandler.sent = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_and_installs(tmp_path: Path, server: str) -> None:
    dest = download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD
    assert not (tmp_path / "model.bin.part").exists()


def test_download_resumes_a_partial_file(tmp_path: Path, server: str) -> None:
    part = tmp_path / "model.bin.part"
    part.write_bytes(PAYLOAD[:300_000])
    download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD
    assert RangeHandler.sent == [(300_000, len(PAYLOAD) - 300_000)]  # only the rest travelled


def test_cancelled_download_keeps_its_part_for_later(tmp_path: Path, server: str) -> None:
    token = CancelToken()
    with pytest.raises(Exception, match="cancelled"):
        download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA,
                      progress=lambda e: token.cancel() if e.done > 100_000 else None, cancel=token)
    have = (tmp_path / "model.bin.part").stat().st_size
    assert 0 < have < len(PAYLOAD)
    download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD


def test_checksum_mismatch_is_refused_and_removed(tmp_path: Path, server: str) -> None:
    with pytest.raises(ModelVerifyError, match="sha256") as err:
        download_file(f"{server}/model.bin", tmp_path / "model.bin", "0" * 64)
    assert "removed" in str(err.value)
    assert not (tmp_path / "model.bin").exists() and not (tmp_path / "model.bin.part").exists()


@pytest.mark.parametrize("sha", [None, ""])
def test_download_without_a_sha256_is_refused_before_any_byte(tmp_path: Path, server: str, sha: str | None) -> None:
    with pytest.raises(ModelVerifyError, match="no pinned sha256"):
        download_file(f"{server}/model.bin", tmp_path / "model.bin", sha)
    assert RangeHandler.sent == [] and list(tmp_path.iterdir()) == []


def test_416_with_a_complete_part_installs_it_without_sending_bytes(tmp_path: Path, server: str) -> None:
    (tmp_path / "model.bin.part").write_bytes(PAYLOAD)
    download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD and not (tmp_path / "model.bin.part").exists()
    assert RangeHandler.sent == [(len(PAYLOAD), 0)]


@pytest.mark.parametrize("garbage", [b"x" * len(PAYLOAD), b"y" * (len(PAYLOAD) + 5000)])
def test_416_with_a_garbage_part_drops_it_and_starts_over(tmp_path: Path, server: str, garbage: bytes) -> None:
    (tmp_path / "model.bin.part").write_bytes(garbage)
    download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD and not (tmp_path / "model.bin.part").exists()
    assert RangeHandler.sent == [(len(garbage), 0), (0, len(PAYLOAD))]


def test_garbage_part_that_the_server_resumes_is_removed_when_the_hash_fails(tmp_path: Path, server: str) -> None:
    (tmp_path / "model.bin.part").write_bytes(b"z" * 1000)
    with pytest.raises(ModelVerifyError, match="removed"):
        download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)
    assert list(tmp_path.iterdir()) == []
    download_file(f"{server}/model.bin", tmp_path / "model.bin", PAYLOAD_SHA)  # the next try starts clean
    assert (tmp_path / "model.bin").read_bytes() == PAYLOAD


def _spec(url: str | None = None, sha: str = PAYLOAD_SHA) -> ModelSpec:
    return ModelSpec("toy", "Toy model", "MIT", (ModelFile("model.bin", sha, url),))


def test_registry_install_then_locate_then_verify(tmp_path: Path, server: str) -> None:
    registry = ModelRegistry([_spec(f"{server}/model.bin")], [(tmp_path / "user", "user")], tmp_path / "user")
    with pytest.raises(ModelMissingError) as err:
        registry.locate("toy")
    assert "avdub models install toy" in str(err.value) and "'toy'" in str(err.value)
    registry.install("toy")
    location = registry.locate("toy")
    assert location.path().read_bytes() == PAYLOAD and registry.verify("toy") == []
    location.path().write_bytes(b"tampered")
    assert registry.verify("toy") and "sha256 mismatch" in registry.verify("toy")[0]


def test_registry_refuses_to_install_an_unpinned_download(tmp_path: Path, server: str) -> None:
    registry = ModelRegistry([_spec(f"{server}/model.bin", sha="")], [(tmp_path / "user", "user")], tmp_path / "user")
    with pytest.raises(ModelVerifyError, match="no pinned sha256 for model.bin"):
        registry.install("toy")
    assert RangeHandler.sent == [] and not (tmp_path / "user").exists()


def test_search_order_and_environment(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second / "models" / "toy"):
        d.mkdir(parents=True)
        (d / "model.bin").write_bytes(b"x")
    env = {"AVDUB_MODEL_PATH": str(first), "AVDUB_SHARED": str(second), "AVDUB_USER_MODELS": str(tmp_path / "u")}
    registry = ModelRegistry.from_environment(env, specs=[_spec(sha="")])
    assert registry.locate("toy").directory == first
    (first / "model.bin").unlink()
    assert registry.locate("toy").directory == second / "models" / "toy"


def test_shared_models_verify(shared_dir: Path, user_models: Path) -> None:
    registry = ModelRegistry.from_environment({"AVDUB_SHARED": str(shared_dir), "AVDUB_USER_MODELS": str(user_models)})
    for model_id in ("face-landmarker", "yunet"):
        assert registry.verify(model_id) == []
