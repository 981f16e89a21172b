"""An edit re-dubbed segment by segment (the studio's R, Shift+Y) leaves the project as ``avdub run`` does.

Two copies of a fully dubbed project get the same translation edit; one is regenerated through
``engine.regenerate`` (speak + fit, then lip-sync), the result applied to the project as the
studio does, the other is run through the pipeline. The dub tracks, chunk indexes, counts and
every stage's status must be the same, and only the edited segment's chunks and pieces redone.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, StageStatus, plan, run_stages, spec_for, stage_status
from engine.project.model import Project
from engine.project.store import ProjectFolder, save_project
from engine.regenerate import regenerate_segments
from tests.conftest import face_models_registry, media_file
from tests.gui.dubbed_project import CLIP, DUB_STAGES, build_dubbed, copy_dubbed

EDITED, NEW_TEXT = "seg-b", "Muy bien, gracias."


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_dubbed(tmp_path_factory.mktemp("dubbed") / "p", media_file(CLIP), face_models_registry())


def statuses(folder: ProjectFolder, project: Project) -> dict[str, StageStatus]:
    factory = ContextFactory(folder, project, ModelRegistry.from_environment(), RunOptions(device="cpu"))
    return {s.value: stage_status(factory, spec_for(s)) for s in DUB_STAGES}


def regenerate(folder: ProjectFolder, project: Project, steps: tuple[str, ...]) -> None:
    """As the studio: a worker regenerates a copy, the result is applied to the project held."""
    result = regenerate_segments(str(folder.root), copy.deepcopy(project), [EDITED], steps)
    result.apply_to(project)
    save_project(folder, project)


def run_until(folder: ProjectFolder, project: Project, last: Stage) -> None:
    stages = DUB_STAGES[:DUB_STAGES.index(last) + 1]
    factory = ContextFactory(folder, project, ModelRegistry.from_environment(), RunOptions(device="cpu"))
    run_stages(factory, [s for s in plan() if s.stage in stages])


@pytest.mark.slow
def test_regenerate_leaves_the_project_as_a_full_run(template, tmp_path):
    clip = media_file(CLIP)
    (fa, a), (fb, b) = copy_dubbed(template, tmp_path / "a" / "p", clip), copy_dubbed(template, tmp_path / "b" / "p", clip)
    for folder, project in ((fa, a), (fb, b)):
        assert set(statuses(folder, project).values()) == {StageStatus.DONE}
        project.edit_segment(EDITED, target_text=NEW_TEXT)
    old_take, old_track = a.segment(EDITED).current_take_id, a.dub_track

    regenerate(fa, a, ("speak", "fit"))  # R
    run_until(fb, b, Stage.FIT)
    assert a.segment(EDITED).current_take_id != old_take and a.dub_track != old_track
    assert a.dub_track == b.dub_track and fa.resolve(a.dub_track).read_bytes() == fb.resolve(b.dub_track).read_bytes()
    assert a.segments == b.segments and a.settings["speech"]["placements"] == b.settings["speech"]["placements"]
    expected = {"speak": StageStatus.DONE, "fit": StageStatus.DONE, "track": StageStatus.DONE, "train": StageStatus.DONE,
                "lipsync": StageStatus.STALE, "render": StageStatus.STALE}
    assert statuses(fa, a) == statuses(fb, b) == expected

    regenerate(fa, a, ("lipsync",))  # Shift+Y
    run_until(fb, b, Stage.LIPSYNC)
    done_a, done_b = a.settings["lipsync"]["last_run"], b.settings["lipsync"]["last_run"]
    assert (done_a["generated"], done_a["reused"]) == (done_b["generated"], done_b["reused"])
    assert 0 < done_a["generated"] < done_a["generated"] + done_a["reused"] == 4
    assert a.settings["lipsync"]["chunks"] == b.settings["lipsync"]["chunks"]
    assert statuses(fa, a) == statuses(fb, b) == {**expected, "lipsync": StageStatus.DONE}

    run_until(fa, a, Stage.RENDER)
    run_until(fb, b, Stage.RENDER)
    pieces_a, pieces_b = a.settings["render"]["last_run"], b.settings["render"]["last_run"]
    assert (pieces_a["pieces"], pieces_a["encoded"]) == (pieces_b["pieces"], pieces_b["encoded"])
    assert 0 < pieces_a["encoded"] < pieces_a["pieces"] == 7
    assert set(statuses(fa, a).values()) == {StageStatus.DONE}
    print(f"\nredub {EDITED}: chunks generated {done_a['generated']} of 4, pieces encoded "
          f"{pieces_a['encoded']} of {pieces_a['pieces']}")
