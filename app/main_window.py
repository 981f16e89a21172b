"""The studio's main window: menus and shortcuts, docks (jobs, history, speakers), and the
project editor in the centre. Creating, opening (with crash recovery, from a recent list, a
dropped file or the command line), saving, running stages and regenerating segments as
worker-process jobs, and exporting start here; the layout and the user's keys are remembered.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QUndoView,
)

from app.about_dialog import AboutDialog
from app.actions import ActionRegistry
from app.desktop import PathKind, chosen_language, classify, dropped_path, language_dialog, project_root
from app.export_dialog import ExportDialog, ExportRequest, confirm_overwrite, export_plan
from app.export_publish import publish
from app.jobs_controller import JobRecord, JobsController, keep_log
from app.jobs_panel import JobsPanel
from app.menus import STAGE_SHORTCUTS, build_menus
from app.operations import BackgroundOp
from app.pipeline_panel import PipelinePanel
from app.project_view import ProjectView
from app.recovery import mark_closed_normally, recovered_project
from app.shortcuts_dialog import ShortcutsDialog, shortcuts_help
from app.speakers_panel import SpeakersPanel
from app.studio_settings import (
    Folder, add_recent_project, forget_recent_project, last_folder, recent_projects, remember_folder,
    restore_layout, save_layout, save_shortcut_overrides, shortcut_overrides,
)
from app.undo_commands import ReplaceProjectCommand
from engine.errors import AvdubError, MediaError
from engine.jobs.events import JobState
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
        self.commands.apply_keys(shortcut_overrides())
        self.setAcceptDrops(True)
        restore_layout(self)
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
            self, self.tr("Choose a video"), last_folder(Folder.VIDEO),
            self.tr("Videos (*.mp4 *.mkv *.mov *.avi *.webm);;All files (*)"))
        if video:
            remember_folder(Folder.VIDEO, Path(video))
            self.offer_project_for_video(Path(video))

    def offer_project_for_video(self, video: Path) -> None:
        """Ask for the target language, then create VIDEO.avdub beside the video (its existing
        project is opened instead)."""
        existing = video.with_suffix(".avdub")
        if classify(existing) is PathKind.PROJECT:
            self.open_project(existing)
            return
        dialog = language_dialog(self, video)
        dialog.accepted.connect(lambda: self.new_project(video, chosen_language(dialog)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_path(self, path: Path) -> bool:
        """A project folder (or its project.json) opens; a video offers to create its project."""
        kind = classify(path)
        if kind is PathKind.PROJECT:
            return self.open_project(project_root(path))
        if kind is PathKind.VIDEO:
            self.offer_project_for_video(path)
            return True
        self.show_error(self.tr("Cannot open"), self.tr("{path} is neither an avdub project nor a video "
                                                        "(mp4, mkv, mov, avi, webm).").format(path=path))
        return False

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
        root = QFileDialog.getExistingDirectory(self, self.tr("Open a project folder"), last_folder(Folder.PROJECT))
        if root:
            remember_folder(Folder.PROJECT, Path(root).parent)
            self.open_project(Path(root))

    def fill_recent_menu(self) -> None:
        menu = self.findChild(QMenu, "menu_recent")
        menu.clear()
        for root in recent_projects():
            act = menu.addAction(f"{root.name} — {root.parent}")
            act.setData(str(root))
            act.setEnabled(classify(root) is PathKind.PROJECT)
            act.triggered.connect(lambda _checked=False, r=root: self.open_project(r))
        if menu.isEmpty():
            menu.addAction(self.tr("(no recent projects)")).setEnabled(False)

    def open_project(self, root: Path) -> bool:
        try:
            folder, project = load_project(root)
        except AvdubError as exc:
            forget_recent_project(root)
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
        add_recent_project(folder.root)
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
            mark_closed_normally(self.view.model.folder)
            self.view.player.pause()
        for job in self.jobs.running():
            self.jobs.cancel(job.id)
        save_layout(self)
        super().closeEvent(event)

    def dragEnterEvent(self, event) -> None:
        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = dropped_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))  # not inside the drop: the source waits

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
    def run_stage(self, stage: Stage, extra: dict | None = None, title: str | None = None,
                  then: Callable[[], object] | None = None) -> JobRecord:
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
            if then is not None:
                then()

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
        if self.view is not None:  # backups/jobs.log: the log outlives the job and the session
            keep_log(job, self.view.model.folder.backups_dir / JOBS_LOG)
        if job.state is JobState.FAILED:
            self.show_error(self.tr("{title} failed").format(title=job.title), job.error or "")
        elif job.state is JobState.CANCELLED:
            self.statusBar().showMessage(self.tr("{title}: cancelled; nothing was changed.").format(title=job.title), 6000)
        else:
            self.statusBar().showMessage(self.tr("{title}: done.").format(title=job.title), 4000)

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

    def cancel_current_job(self) -> None:
        self.jobs_panel.cancel_current()

    def show_shortcuts(self) -> None:
        shortcuts_help(self, self.commands.shortcut_table()).show()

    def customise_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self.commands, self)
        dialog.setObjectName("shortcuts_dialog")
        dialog.accepted.connect(lambda: self._apply_shortcuts(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _apply_shortcuts(self, dialog: ShortcutsDialog) -> None:
        self.commands.apply_keys(dialog.keys())
        save_shortcut_overrides(dialog.overrides())

    def show_about(self) -> None:
        dialog = AboutDialog(self)
        dialog.setObjectName("about_dialog")
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_dialog(self) -> None:
        project = self.current_view().model.project
        dialog = ExportDialog(self, Path(project.source.path).stem)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            dialog.remember()
            self.export(dialog.request())

    def export(self, request: ExportRequest) -> JobRecord | None:
        """Run the export stage; then copy its files to the chosen folder and name, if any (after
        asking before replacing files there)."""
        if request.empty:
            return None
        model = self.current_view().model
        exports = model.folder.exports_dir
        folder, plan = export_plan(request, model.project.source.path, model.project.target_language, exports)
        if plan and not confirm_overwrite(self, folder, plan):
            return None
        publish_op = BackgroundOp(self.jobs, self.tr("Save the export to {folder}").format(folder=folder),
                                  publish, str(exports), plan, str(folder), kind="publish")
        return self.run_stage(Stage.EXPORT, request.as_options(), self.tr("Export"),
                              publish_op.run_in_background if plan else None)
