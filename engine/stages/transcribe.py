"""Pipeline stage *transcribe*: VAD, ASR with word timestamps, sentence-like segments.

Creates one default speaker when the project has none, sets the detected source language
when ``--from`` was omitted, and marks a video without speech (silence, music) with no
segments and ``speech.no_speech = true`` instead of inventing words.

The audio is never decoded whole: one streamed pass finds the speech regions, a second one
feeds the recogniser block by block (:mod:`engine.speech.asr_blocks`), so a two-hour
lecture costs a few MB here instead of 460 MB.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import UnsupportedLanguageError
from engine.languages import is_known_language
from engine.project.model import Segment, Speaker, SegmentFlag, Word, new_id
from engine.speech.asr_blocks import iter_blocks, plan_blocks, survey_audio
from engine.speech.segmenting import segment_words
from engine.speech.transcribe import make_transcriber
from engine.stages.context import StageContext
from engine.stages.speech_settings import load_settings, section

SNAP_TOLERANCE = 0.1  # seconds a word may start before detected speech (VAD onsets are a bit late)
LOW_CONFIDENCE = 0.5  # mean word probability under which the editor should check the segment


def snap_to_speech(words: list[Word], regions: list[list[float]]) -> list[Word]:
    """Move a word's start that Whisper placed in silence (typically the first word of a
    recording, stamped at 0.0) to where voice activity begins, so the dub starts with the lips."""
    out = []
    for w in words:
        region = next((r for r in regions if r[0] <= w.end and r[1] >= w.start), None)
        if region is not None and w.start < region[0] - SNAP_TOLERANCE < w.end:
            w = Word(w.text, round(region[0], 3), w.end, w.confidence)
        out.append(w)
    return out


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    s = load_settings(ctx.project)
    return {"source": ctx.project.source.fingerprint, "language": ctx.project.source_language,
            "backend": s.asr_backend, "model": s.asr_model}


def _transcribe(ctx: StageContext, out: Path) -> None:
    s = load_settings(ctx.project)
    source = ctx.folder.source_path(ctx.project)
    # Progress in seconds of audio: the survey is the first pass over it, recognition the second.
    total = max(1, round(2 * ctx.project.source.duration))
    survey = survey_audio(source, lambda done: ctx.report(min(round(done), total), total, "voice activity"),
                          cancel=ctx.report.cancel)
    regions = survey.regions
    result: dict[str, Any] = {"language": ctx.project.source_language, "words": [], "speech_regions":
                              [[r.start, r.end] for r in regions]}
    if regions:
        ctx.report(total // 2, total, "loading the ASR model")
        asr = make_transcriber(ctx.registry, s.asr_backend, ctx.project.source_language,
                               threads=ctx.options.threads or 1, model=s.asr_model, device=ctx.options.device)
        spans = plan_blocks(survey, asr.max_block_seconds)
        length = round(survey.seconds)
        blocks = iter_blocks(source, spans, regions, lambda done: ctx.report(
            min(total, total // 2 + round(done)), total, f"recognising speech ({round(done)} of {length} s)"),
            cancel=ctx.report.cancel)
        transcript = asr.transcribe_blocks(blocks, ctx.project.source_language)
        result["language"] = transcript.language
        result["words"] = [[w.text, w.start, w.end, w.confidence] for w in transcript.words]
    (out / "transcript.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def run(ctx: StageContext) -> None:
    project = ctx.project
    entry = ctx.cache.get_or_compute("transcribe", inputs(ctx), lambda tmp: _transcribe(ctx, tmp))
    data = json.loads((entry / "transcript.json").read_text(encoding="utf-8"))
    if project.source_language is None and data["language"]:
        if not is_known_language(data["language"]):
            raise UnsupportedLanguageError(f"detected source language '{data['language']}' is not supported")
        project.source_language = data["language"]
    if not project.speakers:
        project.speakers = (Speaker(new_id("spk"), "Presenter"),)
    speaker_id = project.speakers[0].id
    words = snap_to_speech([Word(t, s, e, c) for t, s, e, c in data["words"]], data["speech_regions"])
    spans = segment_words(words)
    segments = []
    for span in spans:
        conf = sum(w.confidence for w in span.words) / len(span.words)
        flags = frozenset({SegmentFlag.LOW_ASR_CONFIDENCE}) if conf < LOW_CONFIDENCE else frozenset()
        segments.append(Segment(new_id("seg"), round(span.start, 3), round(span.end, 3), span.text,
                                speaker_id=speaker_id, words=span.words, flags=flags))
    project.set_segments(segments)
    info = section(project)
    info["no_speech"] = not segments
    info["speech_regions"] = data["speech_regions"]
    info.pop("mt", None)
    ctx.report(3, 3, f"{len(segments)} segments" if segments else "no speech found")
