"""Filling the catalogue: ``Wording.say(key, **values)`` renders a template in the strict environment with
the survey's own words (全区, 街道（乡镇）, 受访者 …) and the phrasings every template shares as filters — a
score with its scale, a share in words, a quotation inside a quotation, a list of names, an ordinal."""

from __future__ import annotations

import math

from jinja2 import Template, TemplateError

from pipeline.common.formatting import missing, p_text, pct, score, signed
from pipeline.wording.catalogue import GLOBALS, WordingError, environment, shipped

TENTHS = "零一两三四五六七八九十"
DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """A positive number in Chinese as the reports count: 一 … 十, 十一 … 九十九 (beyond, in digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else DIGITS[tens]) + "十" if tens else "") + (DIGITS[ones] if ones else "")


def quoted(text: str) -> str:
    """``text`` in Chinese quotation marks; quotation marks inside it become 「」 (never “…“…”…”)."""
    return "“" + str(text).replace("“", "「").replace("”", "」") + "”"


def words_of(answer: str) -> str:
    """A respondent's answer quoted inside a sentence, without its own closing stop (the sentence goes on)."""
    return quoted(str(answer).strip().rstrip("。.！!；;，,、 "))


def clause(text: str) -> str:
    """A measure from the library as a clause of a longer sentence: its own closing stop dropped."""
    return str(text).rstrip("。；;")


class Wording:
    """The catalogue with a survey's words and a research office's overrides (key → template text)."""

    def __init__(self, words=None, overrides: dict[str, str] | None = None):
        self.env = environment()
        self.env.filters.update(
            score=score,
            pct=pct,
            signed=signed,
            p=p_text,
            quoted=quoted,
            words_of=words_of,
            clause=clause,
            ordinal=ordinal,
            about=self.about,
            scored=self.scored,
            names=self.names,
            listed=self.listed,
        )
        if words is not None:
            self.env.globals.update({k: getattr(words, k) for k in GLOBALS})
        self.texts = {key: e.text for key, e in shipped().items()} | dict(overrides or {})
        self._compiled: dict[str, Template] = {}

    @classmethod
    def of(cls, words) -> Wording:
        """The wording a survey's reports use: its words, and the overrides its questionnaire names."""
        return cls(words, getattr(words, "wording", None))

    def say(self, key: str, **values) -> str:
        """The template ``key`` filled with ``values``."""
        template = self._compiled.get(key)
        if template is None:
            if key not in self.texts:
                raise KeyError(f"no wording template {key!r}")
            try:
                template = self._compiled[key] = self.env.from_string(self.texts[key])
            except TemplateError as exc:
                raise WordingError(f"措辞“{key}”无法使用：{exc}") from None
        try:
            return template.render(**values)
        except (TemplateError, WordingError) as exc:  # a phrase inside names the template that used it
            detail = getattr(exc, "detail", str(exc))
            error = WordingError(f"措辞“{key}”无法填写：{detail}")
            error.detail = detail
            raise error from None

    def scored(self, x: float, points: int, low: int = 1) -> str:
        """A score with its scale: "3.05分（5分制）", or on options numbered from 0: "4.90分（0–10分）"."""
        return self.say("phrase.scored", x=x, points=points, low=low)

    def about(self, share: float) -> str:
        """A share as people say it, with the exact figure: "近两成（18.9%）", "三成多（31.2%）"."""
        tenths = share * 10
        low, frac = int(math.floor(tenths)), tenths - math.floor(tenths)
        if 4.75 <= tenths < 5.25:
            key, n = "half", ""
        elif frac >= 0.75 and low < 9:
            key, n = "near", TENTHS[low + 1]
        elif low == 0:
            key, n = "under_one", ""
        elif frac < 0.05:
            key, n = "exact", TENTHS[low]
        else:
            key, n = "more", TENTHS[low]
        return self.say("phrase.about.figure", words=self.say(f"phrase.about.{key}", n=n), share=share)

    def names(self, labels: list[str], last: str | None = None) -> str:
        """“甲”、“乙”和“丙”."""
        return listed([quoted(x) for x in labels], self.say("phrase.and") if last is None else last)

    def listed(self, parts: list[str]) -> str:
        """甲、乙和丙."""
        return listed(parts, self.say("phrase.and"))

    def compared(self, mean: float, other: float | None, against: str) -> str:
        """ "，高于/低于…的3.23分" or "，与…持平（3.23分）" at the precision reports print; empty where the
        other is not shown."""
        if missing(other):
            return ""
        a, b = score(mean), score(other)
        kind = "same" if a == b else "higher" if float(a) > float(b) else "lower"
        return self.say(f"phrase.compared.{kind}", other=other, against=against)

    def shares_compared(self, share: float, other: float | None, significant: bool, against: str) -> str:
        """ "，高于全区其他街道（乡镇）的22.1%（差异经统计检验显著）" — 显著 only where the test says so."""
        if missing(other):
            return ""
        if pct(share) == pct(other):
            kind = "same"
        elif not significant:
            kind = "untested_gap"
        else:
            kind = "higher" if share > other else "lower"
        return self.say(f"phrase.shares_compared.{kind}", other=other, against=against)


def listed(parts: list[str], last: str) -> str:
    """甲、乙和丙 (no quotation marks)."""
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + last + parts[-1]
