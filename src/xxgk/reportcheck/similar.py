"""Text shared with last year's report: sentences compared with digits ignored, runs of shared sentences."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_DROP = re.compile(r"[\s\u3000]+")
_DIGITS = re.compile(r"\d+")


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


def shared_text(text: str, previous: str, min_chars: int) -> Shared:
    """The passages of `text` also in `previous` (sentence by sentence) and their share of `text`'s characters."""
    before = {_key(s) for s in sentences(previous)}
    runs: list[list[str]] = []
    last_shared = False
    for s in sentences(text):
        shared = _key(s) in before and len(_key(s)) > 1
        if shared:
            if last_shared:
                runs[-1].append(s)
            else:
                runs.append([s])
        last_shared = shared
    passages = tuple(p for p in ("".join(r) for r in runs) if len(p) >= min_chars)
    return Shared(passages, sum(map(len, passages)), len(compact(text)))
