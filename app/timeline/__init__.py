"""The timeline: a pyqtgraph view with lanes (waveform, source segments, dubbed takes per
speaker, face tracks) over one time axis, a playhead, zoom/scroll, and edge/body dragging."""

from app.timeline.view import TimelineView

__all__ = ["TimelineView"]
