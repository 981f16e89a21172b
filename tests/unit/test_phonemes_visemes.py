"""IPA → viseme mapping, and the phoneme package's place in the engine (a domain library)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.speech.phonemes.visemes import VISEME_COUNT, Viseme, clean_ipa, unknown_symbols, viseme_of

PACKAGE = Path(__file__).resolve().parents[2] / "engine" / "speech" / "phonemes"


@pytest.mark.parametrize(("ipa", "viseme"), [
    ("p", Viseme.BILABIAL), ("b", Viseme.BILABIAL), ("m", Viseme.BILABIAL),
    ("f", Viseme.LABIODENTAL), ("v", Viseme.LABIODENTAL),
    ("θ", Viseme.DENTAL), ("ð", Viseme.DENTAL),
    ("t", Viseme.ALVEOLAR), ("d", Viseme.ALVEOLAR), ("n", Viseme.ALVEOLAR), ("l", Viseme.ALVEOLAR),
    ("ɾ", Viseme.ALVEOLAR), ("ɹ", Viseme.ALVEOLAR), ("r", Viseme.ALVEOLAR),
    ("s", Viseme.SIBILANT), ("z", Viseme.SIBILANT), ("ts", Viseme.SIBILANT),
    ("ʃ", Viseme.POSTALVEOLAR), ("ʒ", Viseme.POSTALVEOLAR), ("tʃ", Viseme.POSTALVEOLAR), ("dʒ", Viseme.POSTALVEOLAR),
    ("j", Viseme.PALATAL), ("ɲ", Viseme.PALATAL), ("ʎ", Viseme.PALATAL), ("ç", Viseme.PALATAL),
    ("k", Viseme.VELAR), ("ɡ", Viseme.VELAR), ("g", Viseme.VELAR), ("ŋ", Viseme.VELAR), ("x", Viseme.VELAR),
    ("ʁ", Viseme.VELAR), ("h", Viseme.VELAR),
    ("a", Viseme.OPEN_VOWEL), ("ɑː", Viseme.OPEN_VOWEL), ("æ", Viseme.OPEN_VOWEL), ("ɐ", Viseme.OPEN_VOWEL),
    ("e", Viseme.MID_VOWEL), ("ɛ", Viseme.MID_VOWEL), ("ə", Viseme.MID_VOWEL), ("ɜː", Viseme.MID_VOWEL),
    ("i", Viseme.SPREAD_VOWEL), ("ɪ", Viseme.SPREAD_VOWEL), ("iː", Viseme.SPREAD_VOWEL),
    ("o", Viseme.ROUNDED_MID_VOWEL), ("ɔ", Viseme.ROUNDED_MID_VOWEL), ("ø", Viseme.ROUNDED_MID_VOWEL),
    ("œ", Viseme.ROUNDED_MID_VOWEL),
    ("u", Viseme.ROUNDED_CLOSE_VOWEL), ("ʊ", Viseme.ROUNDED_CLOSE_VOWEL), ("y", Viseme.ROUNDED_CLOSE_VOWEL),
    ("w", Viseme.ROUNDED_CLOSE_VOWEL),
    ("", Viseme.SILENCE), ("ˈ", Viseme.SILENCE),
])
def test_phones_map_to_the_documented_classes(ipa: str, viseme: Viseme) -> None:
    assert viseme_of(ipa) is viseme


def test_marks_and_diacritics_do_not_change_the_class() -> None:
    assert viseme_of("ˈaː") is viseme_of("a") is Viseme.OPEN_VOWEL
    assert viseme_of("ɐ̃") is Viseme.OPEN_VOWEL          # Portuguese nasal vowel
    assert viseme_of("ɔ̃") is Viseme.ROUNDED_MID_VOWEL     # French nasal vowel
    assert viseme_of("t͡ʃ") is Viseme.POSTALVEOLAR        # tie bar
    assert viseme_of("pʰ") is Viseme.BILABIAL             # aspiration
    assert clean_ipa("ˈɐ̃ː") == "ɐ"


def test_a_diphthong_takes_its_first_vowel() -> None:
    assert viseme_of("aɪ") is Viseme.OPEN_VOWEL
    assert viseme_of("oʊ") is Viseme.ROUNDED_MID_VOWEL
    assert viseme_of("eɪ") is Viseme.MID_VOWEL
    assert viseme_of("oːɹ") is Viseme.ROUNDED_MID_VOWEL   # espeak-ng's r-coloured English vowel


def test_unknown_symbols_are_listed_and_fall_back_to_a_mid_vowel() -> None:
    assert unknown_symbols("ᵻ") == {"ᵻ"}
    assert viseme_of("ᵻ") is Viseme.MID_VOWEL
    assert unknown_symbols("tʃaɪ") == set()


def test_the_set_is_small_and_numbered_from_silence() -> None:
    assert VISEME_COUNT == 14
    assert [v.value for v in Viseme] == list(range(VISEME_COUNT))
    assert Viseme.SILENCE == 0


def test_the_package_is_a_domain_library() -> None:
    """No pipeline, stages, lip-sync model or Qt: the stages use it, never the other way round."""
    forbidden = ("engine.pipeline", "engine.stages", "engine.lipsync", "engine.stage_job", "PySide6", "app")
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{module.name} imports {name}"
        assert len(module.read_text().splitlines()) < 400, f"{module.name} is too long"
