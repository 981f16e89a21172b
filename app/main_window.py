"""The studio's main window: menus and shortcuts, docks (jobs, history, speakers), and the
project editor in the centre. Creating, opening (with crash recovery), saving, running stages
and regenerating segments as worker-process jobs, and exporting start here.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox, QUndoView,
)

from app.actions import ActionRegistry
from app.export_dialog import ExportDialog, ExportRequest
from app.jobs_controller import JobRecord, JobsController
from app.jobs_panel import JobsPanel
from app.menus import STAGE_SHORTCUTS, build_menus
from app.operations import BackgroundOp
from app.pipeline_panel import PipelinePanel
from app.project_view import ProjectView
from app.recovery import recovered_project
from app.speakers_panel import SpeakersPanel
from app.undo_commands import ReplaceProjectCommand
from engine.errors import AvdubError, MediaError
from engine.jobs.events import JobState
from engine.languages import LANGUAGE_NAMES
from engine.media.probe import probe
from engine.pipeline import STAGES, Stage
from engine.project.model import Project
from engine.project.store import ProjectFolder, create_project, load_project, save_project
from engine.regenerate import DEFAULT_STEPS, regenerate_segments
from engine.stage_job import run_stage_job
from engine.waveform import envelope_job, load_envelope

WAVEFORM_CACHE = "waveform-{fingerprint}.npz"
JOBS_LOG = "jobs.log"  # in backups/: every job's log, appended when it ends


def snapshot(project: Project) -> Project:
    """A copy safe to hand to a worker while the editor goes on changing the original."""
    return dataclasses.replace(project, stages=dict(project.stages), settings=copy.deepcopy(project.settings))


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("avdub"))
        self.resize(1440, 900)
        self.view: ProjectView | None = None
        self.jobs = JobsController(self)
        self.jobs.job_finished.connect(self._job_finished)
        # The per-segment regeneration a job runs: the engine's (speak → fit for the segment).
        self.regenerate_function: Callable[..., Any] = regenerate_segments
        self.regenerate_steps: tuple[str, ...] = tuple(s.value for s in DEFAULT_STEPS)
        self.last_error: str | None = None
        self._error_box: QMessageBox | None = None
        self._placeholder = QLabel(self.tr("Open a project or create one from a video (File menu)."))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self._placeholder)
        self._build_docks()
        self.commands = ActionRegistry(self)
        build_menus(self.menuBar(), self.commands, self,
                    (self.jobs_dock, self.history_dock, self.speakers_dock, self.pipeline_dock))
        self._update_enabled()

    # ---- building --------------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.jobs_panel = JobsPanel(self.jobs)
        self.jobs_dock = self._dock(self.tr("Jobs"), self.jobs_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.history = QUndoView()
        self.history.setAccessibleName(self.tr("Edit history"))
        self.history.setEmptyLabel(self.tr("<opened>"))
        self.history_dock = self._dock(self.tr("History"), self.history, Qt.DockWidgetArea.RightDockWidgetArea)
        self.speakers_dock = self._dock(self.tr("Speakers"), QLabel(), Qt.DockWidgetArea.RightDockWidgetArea)
        self.pipeline_dock = self._dock(self.tr("Pipeline"), QLabel(), Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.history_dock, self.speakers_dock)
        self.tabifyDockWidget(self.speakers_dock, self.pipeline_dock)
        self.history_dock.raise_()

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def current_view(self) -> ProjectView:
        """The open project's editor (the menus' actions that need one are disabled without it)."""
        if self.view is None:
            raise RuntimeError("no project is open")
        return self.view

    def _update_enabled(self) -> None:
        self.commands.set_project_open(self.view is not None)

    # ---- project creation ------------------------------------------------------------------
    def new_from_video_dialog(self) -> None:
        video, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a video"), "", self.tr("Videos (*.mp4 *.mkv *.mov *.avi *.webm);;All files (*)"))
        if not video:
            return
        codes = sorted(LANGUAGE_NAMES, key=lambda c: LANGUAGE_NAMES[c])
        labels = [f"{LANGUAGE_NAMES[c]} ({c})" for c in codes]
        label, ok = QInputDialog.getItem(self, self.tr("Target language"),
                                         self.tr("Dub the video into:"), labels, labels.index("Spanish (es)"), False)
        if ok:
            self.new_project(Path(video), codes[labels.index(label)])

    def new_project(self, video: Path, target_language: str, root: Path | None = None) -> bool:
        """Probe ``video`` and create ``root`` (default: VIDEO.avdub beside it); errors go to a box."""
        try:
            info = probe(video)
            info.require_video()
            info.require_audio()
            root = root if root is not None else video.with_suffix(".avdub")
            folder, project = create_project(root, video, info.duration, target_language)
        except AvdubError as exc:
            QMessageBox.critical(self, self.tr("Cannot create the project"), str(exc))
            return False
        self._set_project(folder, project)
        return True

    # ---- opening and saving ----------------------------------------------------------------
    def open_project_dialog(self) -> None:
        root = QFileDialog.getExistingDirectory(self, self.tr("Open a project folder"))
        if root:
            self.open_project(Path(root))

    def open_project(self, root: Path) -> bool:
        try:
            folder, project = load_project(root)
        except AvdubError as exc:
            QMessageBox.critical(self, self.tr("Cannot open the project"), str(exc))
            return False
        recovered = recovered_project(self, folder)
        self._set_project(folder, recovered or project)
        if recovered is not None:
            self.view.autosaver.touch()  # still unsaved: keep the sidecar until the user saves
            self.statusBar().showMessage(self.tr("Restored unsaved edits from the autosave."), 8000)
        return True

    def _set_project(self, folder: ProjectFolder, project: Project) -> None:
        if self.view is not None:
            self.view.autosaver.write_now(wait=True)
            self.view.player.pause()
            self.view.deleteLater()
        fps = 25.0
        try:
            info = probe(folder.source_path(project))
            fps = info.video.fps if info.video else fps
        except MediaError as exc:
            self.statusBar().showMessage(str(exc), 15000)
        self.view = ProjectView(folder, project, fps)
        self.view.message.connect(self._show_message)
        self.view.undo.cleanChanged.connect(self._clean_changed)
        self.setCentralWidget(self.view)
        self.history.setStack(self.view.undo)
        self.speakers_dock.setWidget(SpeakersPanel(self.view.model, self.view.push_speakers))
        self.pipeline_dock.setWidget(PipelinePanel(self.view.model, STAGE_SHORTCUTS, self.run_stage))
        self.setWindowTitle(self.tr("{name}[*] — avdub").format(name=folder.root.name))
        self._update_enabled()
        self._load_waveform()

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def save(self) -> bool:
        view = self.current_view()
        view.autosaver.before_save()
        try:
            save_project(view.model.folder, view.model.project)
        except AvdubError as exc:
            self.show_error(self.tr("Cannot save"), str(exc))
            return False
        view.autosaver.saved_to_disk()
        view.undo.setClean()
        self.statusBar().showMessage(self.tr("Saved."), 3000)
        return True

    def closeEvent(self, event) -> None:
        # Unsaved edits go to the autosave sidecar; the next open offers to restore them.
        if self.view is not None:
            self.view.autosaver.write_now(wait=True)
            self.view.player.pause()
        for job in self.jobs.running():
            self.jobs.cancel(job.id)
        super().closeEvent(event)

    # ---- waveform ---------------------------------------------------------------------------
    def _load_waveform(self) -> None:
        """The timeline's waveform: from the cache, else computed by a worker-process job."""
        view = self.current_view()
        folder, project = view.model.folder, view.model.project
        cache = folder.cache_dir / WAVEFORM_CACHE.format(fingerprint=project.source.fingerprint)
        if cache.is_file():
            try:
                env = load_envelope(cache)
                view.timeline.set_envelope(env.lo, env.hi, env.rate, env.silences(), env.peak())
                return
            except (OSError, ValueError, KeyError):
                cache.unlink(missing_ok=True)  # a damaged cache entry is recomputed
        try:
            source = folder.source_path(project)
        except MediaError:
            return

        def done(result) -> None:
            env, silences, peak = result
            if self.view is view:
                view.timeline.set_envelope(env.lo, env.hi, env.rate, silences, peak)

        BackgroundOp(self.jobs, self.tr("Read the waveform"), envelope_job,
                     str(source), project.source.duration, str(cache), kind="waveform").success(done).run_in_background()

    # ---- jobs ----------------------------------------------------------------------------------
    def run_stage(self, stage: Stage, extra: dict | None = None, title: str | None = None) -> JobRecord:
        view = self.current_view()
        spec_title = next(s.title for s in STAGES if s.stage is stage)
        generation = view.model.generation

        def done(project: Project) -> None:
            if self.view is not view:
                return
            edited_meanwhile = view.model.generation != generation
            view.undo.push(ReplaceProjectCommand(view.model, project, self.tr(spec_title)))
            if edited_meanwhile:  # the stage worked on the project as it was when it started
                self.statusBar().showMessage(self.tr(
                    "{title} replaced edits made while it ran; Undo (Ctrl+Z) brings them back.").format(
                    title=spec_title), 15000)
            else:
                view.autosaver.saved_to_disk()  # the worker saved exactly this project

        return BackgroundOp(self.jobs, title or self.tr(spec_title), run_stage_job,
                            str(view.root), snapshot(view.model.project), stage.value, False, False, extra,
                            kind=stage.value).success(done).run_in_background()

    def regenerate(self, segment_ids: list[str], steps: tuple[str, ...] | None = None) -> JobRecord | None:
        """Redo ``steps`` (default: speak + fit) for these segments only, in a worker process."""
        view = self.current_view()
        if not segment_ids:
            return None

        def done(segments) -> None:
            if self.view is view:
                view.apply_regenerated(segments)

        title = self.tr("Regenerate {n} segment(s)").format(n=len(segment_ids))
        return BackgroundOp(self.jobs, title, self.regenerate_function, str(view.root), snapshot(view.model.project),
                            list(segment_ids), steps or self.regenerate_steps,
                            kind="regenerate").success(done).run_in_background()

    def regenerate_selected(self, steps: tuple[str, ...] | None = None) -> JobRecord | None:
        return self.regenerate(self.current_view().table.selected_ids(), steps)

    def regenerate_stale(self) -> JobRecord | None:
        ids = [s.id for s in self.current_view().model.project.stale_segments()]
        if not ids:
            self.statusBar().showMessage(self.tr("No stale segments."), 4000)
            return None
        return self.regenerate(ids)

    def _job_finished(self, job_id: str) -> None:
        job = self.jobs.jobs[job_id]
        self._keep_log(job)
        if job.state is JobState.FAILED:
            self.show_error(self.tr("{title} failed").format(title=job.title), job.error or "")
        elif job.state is JobState.CANCELLED:
            self.statusBar().showMessage(self.tr("{title}: cancelled; nothing was changed.").format(title=job.title), 6000)
        else:
            self.statusBar().showMessage(self.tr("{title}: done.").format(title=job.title), 4000)

    def _keep_log(self, job: JobRecord) -> None:
        """Append the job's log to backups/jobs.log: it outlives the job and the session."""
        if self.view is None:
            return
        try:
            path = self.view.model.folder.backups_dir / JOBS_LOG
            with path.open("a", encoding="utf-8") as f:
                f.write("\n".join(job.log) + "\n")
        except OSError:
            pass  # the in-window log still has it; a read-only project must stay usable

    def show_error(self, title: str, message: str) -> None:
        """A non-modal error box: the project stays editable behind it."""
        self.last_error = message
        self.statusBar().showMessage(f"{title}: {message}", 15000)
        if self._error_box is not None:
            self._error_box.close()
        self._error_box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Close, self)
        self._error_box.setObjectName("error_box")
        self._error_box.setWindowModality(Qt.WindowModality.NonModal)
        self._error_box.show()

    # ---- review loop helpers -----------------------------------------------------------------------
    def accept_and_next(self) -> None:
        self.current_view().toggle_accept()
        self.current_view().step(1)

    def loop_current(self) -> None:
        view = self.current_view()
        if view.current_id:
            view.player.loop_segment(view.current_id)

    def play_take(self) -> None:
        view = self.current_view()
        if view.current_id and not view.player.play_take(view.current_id):
            self.statusBar().showMessage(self.tr("This segment has no take yet: regenerate it (R)."), 4000)

    def set_speaker_dialog(self) -> None:
        view = self.current_view()
        speakers = view.model.project.speakers
        if not speakers:
            self.statusBar().showMessage(self.tr("Add a speaker in the Speakers panel first."), 4000)
            return
        names = [s.name for s in speakers]
        name, ok = QInputDialog.getItem(self, self.tr("Speaker"), self.tr("Speaker of the selected segments:"), names, 0, False)
        if ok:
            view.set_speaker(speakers[names.index(name)].id)

    def cancel_current_job(self) -> None:
        self.jobs_panel.cancel_current()

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in self.commands.shortcut_table())
        review = self.tr("Review loop: N next · Shift+Space loop with pre/post-roll · B A/B original↔dub · "
                         "E edit translation · R regenerate · T hear the take · A accept and go on")
        box = QMessageBox(QMessageBox.Icon.NoIcon, self.tr("Keyboard shortcuts"),
                          f"<p>{review}</p><table cellspacing=4>{rows}</table>", QMessageBox.StandardButton.Close, self)
        box.setObjectName("shortcuts_box")
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    def export_dialog(self) -> None:
        dialog = ExportDialog(self)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            self.export(dialog.request())

    def export(self, request: ExportRequest) -> JobRecord | None:
        if request.empty:
            return None
        return self.run_stage(Stage.EXPORT, request.as_options(), self.tr("Export"))
