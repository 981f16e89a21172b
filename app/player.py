"""Playback: the video (frames painted from a QVideoSink), original/dub A/B audio, segment
loops with pre/post-roll, J/K/L shuttle, and playing a dubbed take alone.

Frames are taken from the player's video sink and painted by our own widget, so the picture
also shows in screenshots and under offscreen platforms (a QVideoWidget grabs blank there).
In B (dub) mode the original audio is muted and the current take of the segment under the
playhead plays from the matching offset on a second player; with an assembled dub track the
second player follows the whole track instead.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.project_model import ProjectModel

PRE_ROLL_S = 0.5  # context before a looped segment (Aegisub's default lead-in is similar)
POST_ROLL_S = 0.5
SHUTTLE_RATES = (1.0, 2.0, 4.0)
REVERSE_TICK_MS = 80  # reverse shuttle: seek back this often (QMediaPlayer cannot play backwards)
SYNC_TOLERANCE_S = 0.12  # re-seek the dub player when it drifts further from the picture


class AudioMode(enum.Enum):
    ORIGINAL = "A"
    DUB = "B"


class FrameView(QWidget):
    """Paints the latest video frame, letterboxed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Video preview"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.image: QImage | None = None
        self.caption = ""

    def set_frame(self, frame: QVideoFrame) -> None:
        if frame.isValid():
            self.image = frame.toImage()
            self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#000000"))
        if self.image is not None and not self.image.isNull():
            img = self.image.size()
            scale = min(self.width() / img.width(), self.height() / img.height())
            w, h = img.width() * scale, img.height() * scale
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h), self.image)
        if self.caption:
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
            box = self.rect().adjusted(10, 0, -10, 0)
            need = p.fontMetrics().boundingRect(box, int(flags), self.caption).height() + 10
            band = self.rect().adjusted(0, self.height() - min(need, self.height() // 3), 0, 0)
            p.fillRect(band, QColor(0, 0, 0, 160))
            p.setPen(QColor("#ffffff"))
            p.drawText(band.adjusted(10, 0, -10, 0), int(flags), self.caption)
        p.end()


class Player(QObject):
    position_changed = Signal(float)  # seconds
    mode_changed = Signal(str)
    state_changed = Signal(str)

    def __init__(self, model: ProjectModel, view: FrameView, parent: QObject | None = None):
        super().__init__(parent)
        self.model, self.view = model, view
        self.video = QMediaPlayer(self)
        self.audio_out = QAudioOutput(self)
        self.video.setAudioOutput(self.audio_out)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(view.set_frame)
        self.video.setVideoSink(self.sink)
        self.dub = QMediaPlayer(self)
        self.dub_out = QAudioOutput(self)
        self.dub.setAudioOutput(self.dub_out)
        self.mode = AudioMode.ORIGINAL
        self.loop: tuple[float, float] | None = None
        self._dub_take: str | None = None
        self._shuttle = 0  # index into SHUTTLE_RATES, negative for reverse
        self._reverse = QTimer(self)
        self._reverse.setInterval(REVERSE_TICK_MS)
        self._reverse.timeout.connect(self._reverse_tick)
        self.video.positionChanged.connect(self._on_position)
        self.video.playbackStateChanged.connect(lambda s: self.state_changed.emit(s.name))
        self.load_source()
        model.project_replaced.connect(self.load_source)

    def load_source(self) -> None:
        try:
            path = self.model.folder.source_path(self.model.project)
        except Exception:  # a missing video is shown by the window; playback just stays empty
            return
        url = QUrl.fromLocalFile(str(path))
        if url == self.video.source():
            return  # a stage result replaced the project, not the video
        self.video.setSource(url)
        self.video.pause()  # decode the first frame for the preview

    # ---- transport ---------------------------------------------------------------------------
    @property
    def position(self) -> float:
        return self.video.position() / 1000.0

    @property
    def playing(self) -> bool:
        return self.video.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def seek(self, t: float) -> None:
        """Move the playhead; a seek by the user ends a segment loop."""
        self.loop = None
        self._jump(t)

    def _jump(self, t: float) -> None:
        self.video.setPosition(int(max(0.0, t) * 1000))
        if self.mode is AudioMode.DUB:
            self._sync_dub(t, force=True)

    def toggle_play(self) -> None:
        self.pause() if self.playing or self._reverse.isActive() else self.play()

    def play(self) -> None:
        self._reverse.stop()
        self.video.setPlaybackRate(1.0)
        self._shuttle = 0
        self.video.play()
        if self.mode is AudioMode.DUB:
            self._sync_dub(self.position, force=True)

    def pause(self) -> None:
        """Stop playing (K, Space); stopping also ends a segment loop."""
        self.loop = None
        self._reverse.stop()
        self._shuttle = 0
        self.video.pause()
        self.dub.pause()

    def shuttle_forward(self) -> None:
        """L: play, and each further press doubles the speed (up to 4×)."""
        self._reverse.stop()
        self._shuttle = min(len(SHUTTLE_RATES), max(1, self._shuttle + 1))
        self.video.setPlaybackRate(SHUTTLE_RATES[self._shuttle - 1])
        self.video.play()

    def shuttle_reverse(self) -> None:
        """J: play backwards (stepped seeks), each further press faster."""
        self._shuttle = -min(len(SHUTTLE_RATES), max(1, -self._shuttle + 1))
        self.video.pause()
        self.dub.pause()
        self._reverse.start()

    def _reverse_tick(self) -> None:
        rate = SHUTTLE_RATES[-self._shuttle - 1]
        t = self.position - rate * REVERSE_TICK_MS / 1000.0
        self.seek(max(0.0, t))
        if t <= 0:
            self._reverse.stop()

    # ---- A/B, loops, takes --------------------------------------------------------------------
    def set_mode(self, mode: AudioMode) -> None:
        self.mode = mode
        self.audio_out.setMuted(mode is AudioMode.DUB)
        if mode is AudioMode.ORIGINAL:
            self.dub.stop()
            self._dub_take = None
        elif self.playing:
            self._sync_dub(self.position, force=True)
        self.mode_changed.emit(mode.value)

    def toggle_mode(self) -> None:
        self.set_mode(AudioMode.DUB if self.mode is AudioMode.ORIGINAL else AudioMode.ORIGINAL)

    def loop_segment(self, segment_id: str, pre: float = PRE_ROLL_S, post: float = POST_ROLL_S) -> None:
        seg = self.model.segment(segment_id)
        self.loop = (max(0.0, seg.start - pre), min(self.model.duration, seg.end + post))
        self._jump(self.loop[0])
        self.play()

    def clear_loop(self) -> None:
        self.loop = None

    def play_take(self, segment_id: str) -> bool:
        """Play the segment's current take on its own (the picture stays paused)."""
        take = self.model.segment(segment_id).current_take
        if take is None:
            return False
        self.pause()
        self.dub.setSource(QUrl.fromLocalFile(str(self.model.folder.resolve(take.audio_path))))
        self._dub_take = None
        self.dub.setPosition(0)
        self.dub.play()
        return True

    def _on_position(self, ms: int) -> None:
        t = ms / 1000.0
        if self.loop is not None and self.playing and t >= self.loop[1]:
            self._jump(self.loop[0])
            return
        if self.mode is AudioMode.DUB and self.playing:
            self._sync_dub(t)
        self.position_changed.emit(t)

    def _track_has(self, segment) -> bool:
        """Whether the assembled dub track holds this segment's current take (a take regenerated
        since the last fit is not in it yet and is played on its own)."""
        if segment is None or segment.current_take is None:
            return True
        placed = self.model.project.settings.get("speech", {}).get("placements", {}).get(segment.id, {})
        return placed.get("take", segment.current_take_id) == segment.current_take_id

    def _sync_dub(self, t: float, force: bool = False) -> None:
        folder, project = self.model.folder, self.model.project
        seg = self.model.segment_at(t)
        if project.dub_track and self._track_has(seg):
            if self._dub_take != "track":
                self.dub.setSource(QUrl.fromLocalFile(str(folder.resolve(project.dub_track))))
                self._dub_take = "track"
            if force or abs(self.dub.position() / 1000.0 - t) > SYNC_TOLERANCE_S:
                self.dub.setPosition(int(t * 1000))
            if self.playing:
                self.dub.play()
            return
        take = seg.current_take if seg is not None else None
        if take is None:
            if self._dub_take is not None:
                self.dub.stop()
                self._dub_take = None
            return
        offset = t - seg.slot[0]
        if self._dub_take != take.id:
            self.dub.setSource(QUrl.fromLocalFile(str(folder.resolve(take.audio_path))))
            self._dub_take = take.id
            force = True
        if force:
            self.dub.setPosition(int(max(0.0, offset) * 1000))
        if self.playing and offset < take.duration:
            self.dub.play()
