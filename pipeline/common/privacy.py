"""Personal data in free text: the one rule set that masks it and the one check that none is left.

Patterns are matched on a copy of the text with full-width letters, digits and signs folded to ASCII
(one character for one, so positions stay the same) and the ideographic space folded to a space; the
matches are masked in the text as written, which otherwise keeps its full-width punctuation. Digits may
be separated by spaces, hyphens or dots (``138 1234 5678``, ``１３８－１２３４－５６７８``).

Masked, in this order: e-mail addresses; ID numbers (18 characters with a valid date); mobile numbers
(with or without +86), after runs of 14 or more digits (card and order numbers) so that no phone is
found inside those; landlines with an area code, bare or in any bracket; any digits following a word
such as 电话/手机/微信/QQ; any other run of 11 or more digits (old 15-digit IDs, long numbers); IPv4
and IPv6 addresses. The clean stage applies ``redact`` to every text it stores, and the schema's check
is ``redact(x) == x``: the check and the masking cannot disagree, so an answer never fails a run.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EMAIL = "〔邮箱已隐去〕"
ID_NUMBER = "〔身份证号已隐去〕"
PHONE = "〔电话已隐去〕"
NUMBER = "〔号码已隐去〕"
IP = "〔IP已隐去〕"
MASKS = (EMAIL, ID_NUMBER, PHONE, NUMBER, IP)


def carries_mask(texts: pd.Series) -> pd.Series:
    """Whether each text had personal data masked: such an answer is never quoted (it was someone's own)."""
    return texts.astype("string").str.contains("|".join(map(re.escape, MASKS)), regex=True).fillna(False)

_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {
    0x3000: 0x20,
    0x3002: 0x2E,
    0x2010: 0x2D,
    0x2011: 0x2D,
    0x2012: 0x2D,
    0x2013: 0x2D,
    0x2014: 0x2D,
    0x2212: 0x2D,
}
_SEP = r"[ \t\-.]*"  # separators allowed between digits (after folding)
_D = "[0-9]"
_OPEN, _CLOSE = r"[(\[【〔〖]", r"[)\]】〕〗]"


def _digits(at_least: int) -> str:
    """A run of at least ``at_least`` digits, single separators allowed between them."""
    return rf"(?<![0-9])[0-9](?:[ \-.]?{_D}){{{at_least - 1},}}(?![0-9])"


# (pattern, replacement, group): the group's span is masked (0: the whole match)
RULES: list[tuple[re.Pattern[str], str, int]] = [
    (re.compile(r"[A-Za-z0-9._%+\-]+ *@ *[A-Za-z0-9\-]+(?: *\. *[A-Za-z0-9\-]+)*"), EMAIL, 0),
    (
        re.compile(
            rf"(?<![0-9A-Za-z])[1-9]{_D}{{5}}(?:19|20){_D}{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]{_D}|3[01]){_D}{{3}}[0-9Xx]"
            r"(?![0-9A-Za-z])"
        ),
        ID_NUMBER,
        0,
    ),
    (re.compile(_digits(14)), NUMBER, 0),  # card and order numbers before phones find pieces inside them
    (re.compile(rf"(?<![0-9])(?:\+? *86{_SEP})?1{_SEP}[3-9](?:{_SEP}{_D}){{9}}(?![0-9])"), PHONE, 0),
    (re.compile(rf"{_OPEN} *0{_D}{{2,3}} *{_CLOSE}{_SEP}{_D}(?:{_SEP}{_D}){{6,7}}(?![0-9])"), PHONE, 0),
    (re.compile(rf"(?<![0-9])0{_D}{{2,3}}{_SEP}[1-9](?:{_SEP}{_D}){{6,7}}(?![0-9])"), PHONE, 0),
    (
        re.compile(
            rf"(?:电话|手机|座机|联系方式|号码|微信|[Qq]{{2}}|[Tt][Ee][Ll])[^0-9]{{0,6}}?({_D}(?:{_SEP}{_D}){{4,}})"
        ),
        NUMBER,
        1,
    ),
    (re.compile(_digits(11)), NUMBER, 0),
    (re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])"), IP, 0),
    (re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){3,7}(?![0-9A-Fa-f:])"), IP, 0),
]
# texts that could hold personal data at all: a digit (any width) or an at-sign
_CANDIDATE = re.compile(r"[0-9０-９@＠]")


def redact(text: str) -> str:
    """``text`` with phone, ID, card and other long numbers, e-mail and IP addresses masked."""
    if not isinstance(text, str) or not _CANDIDATE.search(text):
        return text
    out, folded = text, text.translate(_FOLD)
    for pattern, repl, group in RULES:
        if not pattern.search(folded):
            continue
        parts_out, parts_fold, last = [], [], 0
        for m in pattern.finditer(folded):
            start, end = m.span(group)
            parts_out += [out[last:start], repl]
            parts_fold += [folded[last:start], repl]
            last = end
        out = "".join([*parts_out, out[last:]])
        folded = "".join([*parts_fold, folded[last:]])
    return out


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct strings of ``values`` that could hold personal data, and their masked forms. Found by
    arrow in one pass: a digit or an at-sign, and not just a few ASCII digits (a 序号 of up to 8 digits
    matches no rule), so a million distinct 序号 do not go through the rules one by one."""
    uniques = pd.unique(values.dropna().astype(str))
    if not len(uniques):
        return np.array([], dtype=object), np.array([], dtype=object)
    strings = pa.array(uniques, type=pa.string())
    maybe = pc.and_(pc.match_substring_regex(strings, _CANDIDATE.pattern),
                    pc.invert(pc.match_substring_regex(strings, r"^[0-9]{1,8}$")))
    candidates = np.asarray(uniques, dtype=object)[maybe.to_numpy(zero_copy_only=False)]
    return candidates, np.array([redact(u) for u in candidates], dtype=object)


def redact_series(values: pd.Series) -> pd.Series:
    """``redact`` over a column, once per distinct value."""
    out = values.astype("string")
    before, after = _distinct(out)
    changed = before != after
    if changed.any():
        out = out.replace(dict(zip(before[changed], after[changed], strict=True)))
    return out


def holds_personal_data(values: pd.Series) -> pd.Series:
    """Per value: whether ``redact`` would change it (what the schema checks is never left in stored text)."""
    before, after = _distinct(values)
    flagged = set(before[before != after])
    return values.astype("string").isin(flagged).fillna(False).astype(bool)


def as_number_text(values: pd.Series) -> pd.Series:
    """Numbers written as a person would type them ("13812345678", not "13812345678.0"), for the checks."""
    nums = pd.to_numeric(values, errors="coerce").astype("Float64")
    whole = nums.notna() & (nums == nums.round())
    text = nums.astype("string")
    text[whole.fillna(False)] = nums[whole.fillna(False)].astype("Int64").astype("string")
    return text


def text_columns(frame: pd.DataFrame, questions) -> list[str]:
    """The columns of ``frame`` that hold free text: text questions, "其他" texts and the row's own notes."""
    texts = [q.id for q in questions if q.type == "text"]
    return [c for c in frame.columns if c in texts or c.endswith("__other_text") or c == "_note"]


def mask_answers(frame: pd.DataFrame, questions) -> pd.DataFrame:
    """``frame`` with personal data masked in every free-text column — the one masking the clean stage and
    the ingest cache both apply (numbers that look like a phone or ID number never got this far: ingest
    leaves them out)."""
    out = frame.copy(deep=False)  # the columns are replaced, never changed in place
    for col in text_columns(out, questions):
        out[col] = redact_series(out[col])
    return out


def address_part(values: pd.Series) -> pd.Series:
    """The address in an IP cell, without what a platform adds ("1.2.3.4(江苏-南京)" → "1.2.3.4")."""
    return values.astype("string").str.extract(r"^([0-9A-Za-z.:]+)")[0]
