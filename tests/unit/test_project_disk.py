"""Disk use of a project folder, per cache folder."""

from __future__ import annotations

from engine.project.disk import disk_use, human_bytes
from engine.project.store import ProjectFolder


def test_disk_use_counts_each_cache_folder_largest_first(tmp_path):
    folder = ProjectFolder(tmp_path / "p.avdub")
    (folder.cache_dir / "render-pieces" / "ab").mkdir(parents=True)
    (folder.cache_dir / "render-pieces" / "ab" / "piece.mp4").write_bytes(b"x" * 3000)
    (folder.cache_dir / "speak").mkdir()
    (folder.cache_dir / "speak" / "take.wav").write_bytes(b"x" * 5000)
    (folder.root / "project.json").write_bytes(b"{}")
    use = disk_use(folder)
    assert list(use.cache_bytes.items()) == [("speak", 5000), ("render-pieces", 3000)]
    assert use.project_bytes == 8002 and use.free_bytes > 0
    assert disk_use(ProjectFolder(tmp_path / "empty")).cache_bytes == {}


def test_human_bytes():
    assert [human_bytes(n) for n in (512, 1_234, 219_000_000, 22_400_000_000, 3 * 10**12)] == [
        "512 B", "1.2 kB", "219.0 MB", "22.4 GB", "3000.0 GB"]
