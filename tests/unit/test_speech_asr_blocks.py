"""Recognition blocks of a long recording: cut at quiet points, silence skipped, zeroing as on the whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from engine.speech.asr_blocks import ENERGY_HOP, AudioSurvey, iter_blocks, plan_blocks
from engine.speech.vad import SpeechRegion, keep_speech

SR = 16_000


def _survey(seconds: float, regions: list[tuple[float, float]], dips: list[float] = ()) -> AudioSurvey:
    hops = int(seconds * SR) // ENERGY_HOP
    energies = np.full(hops, 1e-4, np.float32)  # room noise
    for a, b in regions:
        energies[int(a * 100):int(b * 100)] = 1.0
    for t in dips:
        energies[int(t * 100):int(t * 100) + 10] = 0.01  # a 100 ms breath inside speech
    return AudioSurvey(hops * ENERGY_HOP, [SpeechRegion(a, b) for a, b in regions], energies)


def test_a_short_recording_is_one_block_from_its_first_sample_to_its_last():
    survey = _survey(25.0, [(1.0, 20.0)])
    assert plan_blocks(survey, 30.0) == [(0, survey.samples)]
    assert plan_blocks(_survey(25.0, []), 30.0) == []  # nothing heard: nothing to recognise


def test_blocks_end_at_quiet_points_and_skip_silence():
    regions = [(1.0, 12.0), (12.5, 40.0), (60.0, 70.0)]
    survey = _survey(95.0, regions, dips=[27.0])
    spans = plan_blocks(survey, 30.0)
    assert all(0 < b - a <= 30 * SR for a, b in spans)
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)
    assert abs(spans[0][1] / SR - 27.05) < 0.02  # the breath inside the long region
    # the other cuts fall in the middle of what recognition does not hear (between padded regions)
    assert [round(b / SR, 2) for _, b in spans[1:]] == [52.05, 77.05]
    assert spans[-1][1] < 95 * SR  # the silent tail is not recognised
    covered = np.zeros(survey.samples, bool)
    for a, b in spans:
        covered[a:b] = True
    for r0, r1 in regions:
        assert covered[int(r0 * SR):int(r1 * SR)].all()


def test_a_streaming_backend_gets_every_sample_in_order():
    survey = _survey(95.0, [(60.0, 70.0)])
    spans = plan_blocks(survey, None)
    assert spans[0][0] == 0 and spans[-1][1] == survey.samples
    assert all(b == a2 for (_, b), (a2, _) in zip(spans, spans[1:]))


def test_blocks_are_zeroed_exactly_as_the_whole_array(tmp_path: Path):
    regions = [(1.0, 12.0), (12.5, 40.0), (60.0, 70.0)]
    survey = _survey(95.0, regions, dips=[27.0])
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, survey.samples).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(path, audio, SR, subtype="FLOAT")
    whole = keep_speech(audio, survey.regions)
    for spans in (plan_blocks(survey, 30.0), plan_blocks(survey, None)):
        blocks = list(iter_blocks(path, spans, survey.regions))
        assert [(b.start, b.end) for b in blocks] == spans
        for block in blocks:
            assert np.array_equal(block.samples, whole[block.start:block.end])


def test_a_cancelled_job_stops_the_decoders_of_both_passes() -> None:
    import pytest

    from engine.errors import JobCancelled
    from engine.jobs.events import CancelToken
    from engine.speech.asr_blocks import iter_blocks, survey_audio
    from tests.conftest import media_file

    token = CancelToken()
    token.cancel()
    clip = media_file("audio/st_reading.flac")
    with pytest.raises(JobCancelled):
        survey_audio(clip, cancel=token)
    with pytest.raises(JobCancelled):
        next(iter_blocks(clip, [(0, 16000)], [], cancel=token))
