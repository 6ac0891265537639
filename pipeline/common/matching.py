"""How an answer is matched to a name the questionnaire defines (an option, a unit, a community): exactly
first, then tolerantly — and the tolerant forms of two defined names may never coincide, so a tolerant
match can never put one name's rows under another.

Tolerant forms, in order: the text with full-width forms folded and spaces, punctuation and invisible
characters dropped (``fold``), the same after traditional → simplified conversion, and for units and
communities the name without a common administrative suffix ("东湖街道办事处" is 东湖街道, "桂园居委会" is
桂园社区). ``Names`` builds the lookup of one list of names and says which names collide.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache

UNIT_SUFFIXES = ("街道办事处", "街道办", "人民政府", "办事处")
COMMUNITY_SUFFIXES = (("居民委员会", "社区"), ("居委会", "社区"), ("村民委员会", "村"), ("村委会", "村"))


def written(text: str) -> str:
    """``text`` as written, full-width forms folded (NFKC) and outer spaces dropped: how an exact match reads
    an answer."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def fold(text: str) -> str:
    """Full-width forms folded (NFKC); spaces, punctuation, symbols and invisible characters dropped."""
    text = unicodedata.normalize("NFKC", str(text))
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PZSC"))


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional → simplified characters in one string."""
    return _t2s().convert(text) if not text.isascii() else text


def unit_key(name: str) -> str:
    """A unit's name without a suffix such as 街道办事处/人民政府 ("东湖街道办事处" → "东湖街道")."""
    key = fold(simplified(name))
    for suffix in UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            if suffix.startswith("街道"):
                key += "街道"
            break
    return key


def community_key(name: str) -> str:
    """A community's name with 居委会/村委会 written as 社区/村 ("桂园居委会" → "桂园社区")."""
    key = fold(simplified(name))
    for suffix, canonical in COMMUNITY_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)] + canonical
    return key


def plain_key(name: str) -> str:
    return fold(simplified(name))


class Names:
    """A list of defined names and the tolerant lookup of answers to them.

    ``key`` is the tolerant form (``plain_key``, ``unit_key`` or ``community_key``). ``collisions`` lists
    the pairs of names whose tolerant forms coincide; ``match`` gives a name's position: the exact name
    first, then its tolerant form when that belongs to exactly one name (never when it is shared).
    """

    def __init__(self, names: Iterable[str], key: Callable[[str], str] = plain_key) -> None:
        self.names = list(names)
        self.key = key
        self.exact = {written(n): i for i, n in enumerate(self.names)}
        owners: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            for k in {fold(name), key(name)}:
                owners.setdefault(k, []).append(i)
        self.tolerant = {k: v[0] for k, v in owners.items() if len(v) == 1}
        self.shared = {k: v for k, v in owners.items() if len(v) > 1}

    def collisions(self) -> list[tuple[str, str]]:
        """Pairs of distinct names that tolerant matching cannot tell apart."""
        pairs = {tuple(sorted({self.names[i] for i in idx})[:2]) for idx in self.shared.values()}
        return sorted(p for p in pairs if len(p) == 2)

    def exact_match(self, value: str) -> int | None:
        """The position of the name ``value`` is, as written."""
        return self.exact.get(written(value))

    def match(self, value: str) -> int | None:
        """The position of the name ``value`` stands for, or None (no name, or more than one)."""
        text = written(value)
        if text in self.exact:
            return self.exact[text]
        for k in (fold(text), self.key(text)):
            if k in self.tolerant:
                return self.tolerant[k]
        return None

    def candidates(self, value: str) -> list[str]:
        """The names a value could stand for when its tolerant form is shared (for an ambiguity message)."""
        text = written(value)
        idx = self.shared.get(fold(text)) or self.shared.get(self.key(text)) or []
        return [self.names[i] for i in idx]


def nearest(value: str, names: list[str], otherwise: str = "") -> str:
    """What an error says about an unknown name: "最接近的是：A、B" (the closest of ``names``), else
    "<otherwise>：" and every name ("" without ``otherwise``)."""
    close = difflib.get_close_matches(value, names, n=3, cutoff=0.3)
    if close:
        return f"最接近的是：{'、'.join(close)}"
    return f"{otherwise}：{'、'.join(names)}" if otherwise else ""
