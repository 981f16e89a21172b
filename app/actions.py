"""The studio's actions by name: each menu entry is one named QAction with a default shortcut.

The menu builder adds actions here; the window enables the ones that need a project and the
shortcuts dialog rebinds keys by action name (user choices are applied over the defaults, so
a name is required for every action). Keeping this registry apart from MainWindow lets the menus
be built from a small public surface instead of the window's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

KeySpec = str | QKeySequence | QKeySequence.StandardKey | None

# Chords that common window managers take for themselves (GNOME, KDE, Xfce, Cinnamon: switch
# workspace, move a window to another one); no default uses them and the user cannot pick them.
WINDOW_MANAGER_CHORDS = tuple(f"{mods}+{arrow}" for mods in ("Ctrl+Alt", "Shift+Alt")
                              for arrow in ("Left", "Right", "Up", "Down"))


def key_text(sequence: QKeySequence) -> str:
    """The portable text of a key sequence ("Ctrl+Shift+Left"), as stored in settings."""
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


class ActionRegistry:
    """Named actions on ``host`` (their shortcuts work wherever the focus is in the window)."""

    def __init__(self, host: QWidget):
        self._host = host
        self._actions: dict[str, QAction] = {}
        self._defaults: dict[str, str] = {}
        self._needs_project: set[str] = set()

    def add(self, menu: QMenu, name: str, text: str, slot: Callable[[], object], shortcut: KeySpec = None,
            needs_project: bool = True) -> QAction:
        if name in self._actions:
            raise ValueError(f"duplicate action name {name!r}")
        act = QAction(text, self._host)
        act.setObjectName(name)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        self._host.addAction(act)
        self._actions[name] = act
        self._defaults[name] = key_text(act.shortcut())
        if needs_project:
            self._needs_project.add(name)
        return act

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __iter__(self) -> Iterator[QAction]:
        return iter(self._actions.values())

    def names(self) -> list[str]:
        return list(self._actions)

    def set_project_open(self, is_open: bool) -> None:
        for name in self._needs_project:
            self._actions[name].setEnabled(is_open)

    def default_key(self, name: str) -> str:
        return self._defaults[name]

    def current_keys(self) -> dict[str, str]:
        return {name: key_text(act.shortcut()) for name, act in self._actions.items()}

    def apply_keys(self, keys: Mapping[str, str]) -> None:
        """Bind ``keys`` (action name → portable key text, "" for none); unknown names are ignored."""
        for name, text in keys.items():
            if name in self._actions:
                self._actions[name].setShortcut(QKeySequence(text))

    def conflicts(self, keys: Mapping[str, str]) -> dict[str, list[str]]:
        """Key text → the action names that would share it, for every key used more than once."""
        users: dict[str, list[str]] = {}
        for name, text in keys.items():
            if text:
                users.setdefault(text, []).append(name)
        return {k: v for k, v in users.items() if len(v) > 1}

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(shortcut, action text) for every action that has one, in menu order."""
        rows = []
        for act in self._actions.values():
            key = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key:
                rows.append((key, act.text().replace("&", "")))
        return rows
