"""Text shared with last year's report: sentences compared with digits ignored, runs of shared sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_DROP = re.compile(r"[\s\u3000]+")
_DIGITS = re.compile(r"\d+")
MIN_FUZZY = 10  # shorter sentences must be the same to count


@dataclass(frozen=True)
class Shared:
    passages: tuple[str, ...]  # the runs of shared sentences, as published (each at least min_chars)
    shared_chars: int
    total_chars: int

    @property
    def share(self) -> float:
        return self.shared_chars / self.total_chars if self.total_chars else 0.0


def compact(text: str) -> str:
    return _DROP.sub("", text)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(compact(text)) if s]


def _key(sentence: str) -> str:
    plain = unicodedata.normalize("NFKC", sentence)
    return _DIGITS.sub("#", plain.rstrip("。！？；!?;"))


def shared_text(text: str, previous: str, min_chars: int, ratio: float = 1.0) -> Shared:
    """The passages of `text` also in `previous` (sentence by sentence: the same, or at least `ratio` alike) and
    their share of `text`'s characters."""
    before = [_key(s) for s in sentences(previous)]
    exact = set(before)
    runs: list[list[str]] = []
    last_shared = False
    for s in sentences(text):
        key = _key(s)
        shared = len(key) > 1 and (key in exact or _alike(key, before, ratio))
        if shared:
            if last_shared:
                runs[-1].append(s)
            else:
                runs.append([s])
        last_shared = shared
    passages = tuple(p for p in ("".join(r) for r in runs) if len(p) >= min_chars)
    return Shared(passages, sum(map(len, passages)), len(compact(text)))


def _alike(key: str, before: Sequence[str], ratio: float) -> bool:
    """A sentence edited a little (a word changed, a clause added) is still last year's."""
    if ratio >= 1.0 or len(key) < MIN_FUZZY:
        return False
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)
    for other in before:
        if min(len(other), len(key)) < ratio * max(len(other), len(key)):
            continue
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio:
            return True
    return False
