"""The avdub studio: a PySide6 + pyqtgraph editor over the engine's public API.

The studio never owns project data: an app-side ProjectModel wraps the engine's Project, is
changed only through undo commands, and tells the views by signal. Long work runs in worker
processes through the jobs controller, so the editor stays responsive and survives crashes.
"""
