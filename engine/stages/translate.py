"""Pipeline stage *translate*: one translation per segment, cached, glossary terms kept.

A segment whose target text the editor changed is never overwritten: the stage remembers the
machine translation it last wrote (``speech.mt``) and only replaces a target text that is
empty or still equal to it. Each translation's spoken duration is estimated against the
segment's slot (``speech.estimates``) so the editor sees overlong translations before any
audio exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import AvdubError
from engine.speech.duration import estimate_seconds
from engine.speech.glossary import translate_keeping
from engine.speech.translate import make_translator
from engine.stages.context import StageContext
from engine.stages.speech_settings import load_settings, section


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    s = load_settings(ctx.project)
    return {"pair": [ctx.project.source_language, ctx.project.target_language], "backend": s.mt_backend,
            "glossary": list(s.glossary), "segments": [[seg.id, seg.source_text] for seg in ctx.project.segments]}


def run(ctx: StageContext) -> None:
    project = ctx.project
    s = load_settings(project)
    src, tgt = project.source_language, project.target_language
    info = section(project)
    mt: dict[str, str] = info.setdefault("mt", {})
    estimates: dict[str, Any] = info.setdefault("estimates", {})
    if not project.segments:
        return
    if src is None:
        raise AvdubError("the source language is unknown: run transcribe first, or create the project with --from")
    translator = make_translator(ctx.registry, src, tgt, s.mt_backend)  # fails before any work
    total = len(project.segments)
    for i, seg in enumerate(project.segments):
        ctx.report(i, total, f"translating segment {i + 1}/{total}")
        key = {"text": seg.source_text, "pair": [src, tgt], "backend": translator.name, "glossary": list(s.glossary)}

        def compute(tmp, text=seg.source_text):
            out = translate_keeping(lambda t: translator.translate(t, src, tgt), text, s.glossary) if text.strip() else ""
            (tmp / "translation.txt").write_text(out, encoding="utf-8")

        entry = ctx.cache.get_or_compute("translate", key, compute)
        machine = (entry / "translation.txt").read_text(encoding="utf-8")
        user_edited = seg.target_text != "" and seg.target_text != mt.get(seg.id)
        if not user_edited and seg.target_text != machine:
            seg = project.edit_segment(seg.id, target_text=machine)
        mt[seg.id] = machine
        slot = seg.slot[1] - seg.slot[0]
        est = estimate_seconds(seg.target_text, tgt)
        estimates[seg.id] = {"seconds": est, "slot": round(slot, 3), "ratio": round(est / slot, 3) if slot > 0 else None}
    ctx.report(total, total, "translated")
