"""Pipeline stage *speak*: synthesize each segment's translation, matched to the presenter's voice.

Each take is content-addressed in the cache by its text, language, engine, voice and matching
settings, so editing one segment re-synthesizes only that segment. The presenter reference is
their own clean speech (the transcribed segment spans, up to ``REFERENCE_SECONDS``): its pitch
statistics drive voice matching, and cloning engines (Coqui YourTTS/XTTS) take it as the voice
sample. Takes are 24 kHz mono WAV (``engine.speech.DUB_SAMPLE_RATE``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from engine.errors import AvdubError, JobCancelled
from engine.media.audio import decode_audio
from engine.project.model import Project, SegmentFlag, Speaker, Take, VoiceSettings
from engine.speech import DUB_SAMPLE_RATE
from engine.speech.dubtrack import resample
from engine.speech.fit import FitItem, room_after
from engine.speech.tts import default_voice, make_synthesizer
from engine.speech.tts.textprep import prepare
from engine.speech.voice_match import PitchStats, apply_match, pitch_stats, plan_match
from engine.stages.context import StageContext
from engine.stages.speech_settings import section

RATE_ENGINES = {"kokoro", "piper", "espeak-ng"}  # engines whose speaking rate can be set
MAX_ENGINE_RATE = 1.3  # faster than this the engines slur; fitting may stretch a further 1.25×
PEAK_LIMIT = 0.9  # about -1 dBFS: headroom for the assembled track's fades and any bed mix
REFERENCE_SECONDS = 30.0  # enough for stable pitch statistics and for XTTS' voice sample
REF_RATE = 16_000


def _voice(project: Project, registry, speaker: Speaker, presenter_hz: float | None = None) -> VoiceSettings:
    v = speaker.voice
    if not v.engine:
        choice = default_voice(registry, project.target_language, presenter_hz)
        v = dataclasses.replace(v, engine=choice.engine, voice=choice.voice)
    return v


def _speaker(project: Project, speaker_id: str | None) -> Speaker:
    try:
        return project.speaker(speaker_id) if speaker_id else project.speakers[0]
    except (KeyError, IndexError):
        return Speaker("spk-default", "Presenter")


def speech_rms(audio: np.ndarray) -> float:
    """RMS over the louder half of 20 ms frames: the level of speech, ignoring pauses."""
    frames = audio[: audio.size // 480 * 480].reshape(-1, 480)  # 20 ms at 24 kHz (30 ms at 16 kHz)
    if frames.size == 0:
        return 0.0
    energy = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    return float(np.mean(np.sort(energy)[energy.size // 2:]))


def level(audio: np.ndarray, target_rms: float) -> np.ndarray:
    """Bring a take to the presenter's speech level (so dub and any original bed mix evenly),
    never above PEAK_LIMIT; left as is when the presenter's level is unknown."""
    rms, peak = speech_rms(audio), float(np.max(np.abs(audio))) if audio.size else 0.0
    if target_rms <= 0 or rms <= 0 or peak <= 0:
        return audio
    return (audio * min(target_rms / rms, PEAK_LIMIT / peak)).astype(np.float32)


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    p = ctx.project
    return {"language": p.target_language, "speakers": [dataclasses.asdict(s.voice) for s in p.speakers],
            "segments": [[s.id, s.target_text, s.speaker_id, s.start, s.end] for s in p.segments]}


def _presenter(ctx: StageContext) -> tuple[Path, PitchStats]:
    spans = [(s.start, s.end) for s in ctx.project.segments]
    key = {"source": ctx.project.source.fingerprint, "spans": spans, "seconds": REFERENCE_SECONDS}

    def compute(tmp: Path) -> None:
        # Decode only the spans used (the first REFERENCE_SECONDS of speech), never the whole
        # lecture: for a 2-hour video that would be half a gigabyte for 30 s of reference.
        source = ctx.folder.source_path(ctx.project)
        parts, total = [], 0.0
        for a, b in spans:
            if total >= REFERENCE_SECONDS:
                break
            parts.append(decode_audio(source, REF_RATE, start=a, duration=b - a))
            total += b - a
        ref = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        sf.write(tmp / "reference.wav", ref, REF_RATE)
        st = pitch_stats(ref, REF_RATE)
        (tmp / "stats.json").write_text(json.dumps(dataclasses.asdict(st)))

    entry = ctx.cache.get_or_compute("presenter", key, compute)
    return entry / "reference.wav", PitchStats(**json.loads((entry / "stats.json").read_text()))


def _take_key(text: str, language: str, voice: VoiceSettings, presenter: PitchStats, ref_rms: float) -> dict[str, Any]:
    """What a take's audio depends on (its cache key; a rate is added when the engine spoke faster)."""
    return {"text": text, "language": language, "voice": dataclasses.asdict(voice),
            "presenter": dataclasses.asdict(presenter) if voice.match_voice else None, "level": round(ref_rms, 4)}


def run(ctx: StageContext, only: frozenset[str] | None = None) -> None:
    """Speak every segment, or only the segments named in ``only`` (the others are untouched)."""
    project = ctx.project
    lang = project.target_language
    info = section(project)
    if not project.segments:
        info["last_speak"] = {"synthesized": 0, "reused": 0}
        return
    ref_path, presenter = _presenter(ctx)
    ref_rms = speech_rms(sf.read(ref_path, dtype="float32")[0])
    reference: tuple[np.ndarray, int] | None = None
    synths: dict[str, Any] = {}
    # Persist resolved default voices on the speakers, so the project records what was used.
    project.speakers = tuple(dataclasses.replace(s, voice=_voice(project, ctx.registry, s, presenter.median_hz))
                             for s in project.speakers)
    synthesized = reused = 0
    errors: dict[str, str] = info.setdefault("speak_errors", {})
    total = len(project.segments)
    room = room_after([FitItem(s.id, s.start, s.end, 0.0) for s in project.segments], project.source.duration)
    for i, seg in enumerate(project.segments):
        if only is not None and seg.id not in only:
            continue
        ctx.report(i, total, f"speaking segment {i + 1}/{total}")
        flags = set(seg.flags) - {SegmentFlag.EMPTY_TRANSLATION, SegmentFlag.UNPRONOUNCEABLE}
        prepared = prepare(seg.target_text, lang)
        if prepared.dropped:
            flags.add(SegmentFlag.UNPRONOUNCEABLE)
        if not prepared.text:
            if not seg.target_text.strip():
                flags.add(SegmentFlag.EMPTY_TRANSLATION)
            project.replace_segment(dataclasses.replace(seg, flags=frozenset(flags), current_take_id=None))
            continue
        voice = _voice(project, ctx.registry, _speaker(project, seg.speaker_id))
        key = _take_key(prepared.text, lang, voice, presenter, ref_rms)

        def compute(tmp: Path, text: str = prepared.text, voice: VoiceSettings = voice, rate: float = 1.0) -> None:
            nonlocal reference, synthesized
            synth = synths.get(voice.engine) or synths.setdefault(voice.engine, make_synthesizer(ctx.registry, voice.engine))
            if getattr(synth, "is_cloning", None) and synth.is_cloning(voice.voice) and reference is None:
                ref_audio, ref_sr = sf.read(ref_path, dtype="float32")
                reference = (ref_audio, ref_sr)
            audio, sr = synth.synthesize(text, lang, voice.voice, reference, rate=rate)
            audio = resample(audio, sr, DUB_SAMPLE_RATE)
            meta: dict[str, Any] = {"engine": voice.engine, "voice": voice.voice, "rate": rate}
            if voice.match_voice:
                plan = plan_match(presenter, pitch_stats(audio, DUB_SAMPLE_RATE), voice.formant_shift,
                                  voice.pitch_shift_semitones)
                if plan is not None:
                    audio = apply_match(audio, DUB_SAMPLE_RATE, plan)
                    meta["match"] = dataclasses.asdict(plan)
            audio = level(audio, ref_rms)
            sf.write(tmp / "take.wav", audio, DUB_SAMPLE_RATE, subtype="PCM_16")
            meta["duration"] = round(audio.size / DUB_SAMPLE_RATE, 4)
            (tmp / "take.json").write_text(json.dumps(meta))
            synthesized += 1

        before = synthesized
        try:
            entry = ctx.cache.get_or_compute("speak", key, compute)
            meta = json.loads((entry / "take.json").read_text())
            # Too long for its room: speak faster with the engine itself (more natural than
            # stretching afterwards), within MAX_ENGINE_RATE; fitting handles the rest.
            ratio = meta["duration"] / max(room[seg.id], 1e-3)
            if ratio > 1.0 and voice.engine in RATE_ENGINES:
                rate = round(min(ratio, MAX_ENGINE_RATE), 2)
                entry = ctx.cache.get_or_compute("speak", {**key, "rate": rate},
                                                 lambda tmp, r=rate: compute(tmp, rate=r))
                meta = json.loads((entry / "take.json").read_text())
        except (AvdubError, JobCancelled):
            raise  # a missing model or voice, a cancel: the user must act, the job stops
        except Exception as exc:  # noqa: BLE001 — one unsayable text must not sink the lecture
            errors[seg.id] = f"{voice.engine} could not say this text: {type(exc).__name__}: {exc}"
            project.replace_segment(dataclasses.replace(
                seg, flags=frozenset(flags | {SegmentFlag.UNPRONOUNCEABLE}), current_take_id=None))
            continue
        errors.pop(seg.id, None)
        reused += synthesized == before
        rel = ctx.folder.relative(entry / "take.wav")
        existing = next((t for t in seg.takes if t.audio_path == rel), None)
        if existing is None:
            take = Take(f"take-{entry.name[:8]}", rel, meta["duration"], voice.engine, voice.voice, seg.revision)
            seg = dataclasses.replace(seg, takes=seg.takes + (take,))
        else:
            take = dataclasses.replace(existing, made_from_revision=max(existing.made_from_revision, seg.revision))
            seg = dataclasses.replace(seg, takes=tuple(take if t.id == existing.id else t for t in seg.takes))
        project.replace_segment(dataclasses.replace(seg, current_take_id=take.id, flags=frozenset(flags)))
    info["last_speak"] = {"synthesized": synthesized, "reused": reused}
    ctx.report(total, total, f"{synthesized} synthesized, {reused} reused")


def speak_segment(ctx: StageContext, segment_id: str) -> None:
    """Regenerate one segment's take (the studio's per-segment "re-speak")."""
    ctx.project.segment(segment_id)  # KeyError for an unknown id, before any work
    run(ctx, only=frozenset({segment_id}))


def is_spoken(ctx: StageContext) -> bool:
    """Whether a full run would leave every take as it is, found without synthesizing anything:
    each segment with words has as its current take the cached take for its text, voice and room.

    The per-segment regenerate asks this to record the stage as up to date, as a run would."""
    project = ctx.project
    if not project.segments:
        return True
    if any(not s.voice.engine for s in project.speakers):
        return False  # a default voice not resolved yet: only a run resolves it
    lang = project.target_language
    ref_path, presenter = _presenter(ctx)
    ref_rms = speech_rms(sf.read(ref_path, dtype="float32")[0])
    room = room_after([FitItem(s.id, s.start, s.end, 0.0) for s in project.segments], project.source.duration)
    for seg in project.segments:
        prepared = prepare(seg.target_text, lang)
        if not prepared.text:
            if seg.current_take_id is not None:
                return False
            continue
        if seg.is_stale:
            return False
        voice = _voice(project, ctx.registry, _speaker(project, seg.speaker_id))
        key = _take_key(prepared.text, lang, voice, presenter, ref_rms)
        entry = ctx.cache.find("speak", key)
        if entry is None:
            return False
        ratio = json.loads((entry / "take.json").read_text())["duration"] / max(room[seg.id], 1e-3)
        if ratio > 1.0 and voice.engine in RATE_ENGINES:
            entry = ctx.cache.find("speak", {**key, "rate": round(min(ratio, MAX_ENGINE_RATE), 2)})
            if entry is None:
                return False
        if seg.current_take.audio_path != ctx.folder.relative(entry / "take.wav"):
            return False
    return True
