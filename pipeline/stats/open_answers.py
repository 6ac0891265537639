"""Open answers: which are real suggestions, which themes they touch, and their top keywords."""

from __future__ import annotations

import logging
import math
import re
import tempfile
from functools import cache

import numpy as np
import pandas as pd

from pipeline.common.privacy import carries_mask
from pipeline.common.tallies import tally

NON_ANSWERS = {
    "无",
    "暂无",
    "没有",
    "无意见",
    "没意见",
    "无建议",
    "没有意见",
    "没有建议",
    "暂时没有",
    "不知道",
    "好",
    "很好",
    "挺好",
}
_PUNCT = re.compile(r"[\s，。！？、,.!?；;：:~～…]+")
# generic words of suggestions that say nothing about their topic
# jieba's tags of nouns and verbs (not names of people or places), and of English words
CONTENT_POS = ("n", "nz", "nt", "nl", "ng", "v", "vn", "eng")
GENERIC_WORDS = {
    "希望",
    "建议",
    "一些",
    "进一步",
    "加强",
    "更多",
    "不要",
    "可以",
    "还是",
    "真正",
    "多听",
    "听听",
    "方面",
    "工作",
}


def is_suggestion(texts: pd.Series) -> pd.Series:
    """True where an open answer says something (not blank, not "无"/"没有" and the like); each distinct
    answer judged once."""
    codes, answers = _distinct(texts)
    core = answers.str.replace(_PUNCT, "", regex=True)
    says = ((core.str.len().fillna(0) >= 2) & ~core.isin(NON_ANSWERS).fillna(False)).to_numpy(dtype=bool)
    return pd.Series(np.where(codes >= 0, says[codes], False), index=texts.index)


def code_themes(texts: pd.Series, themes: dict[str, list[str]]) -> pd.DataFrame:
    """Boolean frame, one column per theme: the answer contains any of the theme's keywords (each distinct
    answer searched once)."""
    codes, answers = _distinct(texts)
    answers = answers.fillna("")
    found = {theme: answers.str.contains("|".join(map(re.escape, words)), regex=True).to_numpy(dtype=bool)
             for theme, words in themes.items()}
    return pd.DataFrame({theme: np.where(codes >= 0, hit[codes], False) for theme, hit in found.items()},
                        index=texts.index)


def _distinct(texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each answer's position among the distinct answers (−1: none), and the distinct answers as text."""
    codes, answers = pd.factorize(texts.astype("string"))
    return codes, pd.Series(np.asarray(answers, dtype=object), dtype="string")


def _jieba():
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = tempfile.gettempdir()
    return jieba.analyse


@cache
def _tfidf(terms: tuple[str, ...]):
    """jieba's TF-IDF extractor with the survey's own terms in a dictionary of its own (the process-wide
    jieba dictionary is left alone, so one survey's terms never change another's keywords)."""
    import jieba

    analyse = _jieba()
    if not terms:
        return analyse.default_tfidf
    tfidf = analyse.TFIDF()
    tfidf.tokenizer = jieba.Tokenizer()
    tfidf.tokenizer.tmp_dir = tempfile.gettempdir()
    for term in terms:
        tfidf.tokenizer.add_word(term)
    return tfidf


def best_theme(texts: pd.Series, themes: dict[str, list[str]]) -> pd.Series:
    """Per answer, the one theme it matches best (most keyword occurrences; ties: the first theme), NA when it
    matches none; each distinct answer scored once. Quotes are shown under this theme only."""
    codes, answers = pd.factorize(texts.astype("string").fillna(""))
    hits = np.array([[sum(a.count(w) for w in words) for words in themes.values()] for a in answers]).reshape(
        len(answers), len(themes))
    names = np.array(list(themes), dtype=object)
    top = names[hits.argmax(axis=1)] if len(themes) else np.full(len(answers), None, dtype=object)
    best = np.where(hits.max(axis=1, initial=0) > 0, top, None)
    return pd.Series(best[codes], index=texts.index, dtype="string")


def keywords(texts: pd.Series, groups: pd.Series, top: int = 10, min_answers: int = 5,
             terms: tuple[str, ...] = (), stop_words: frozenset[str] = frozenset(),
             places: tuple[str, ...] = ()) -> pd.DataFrame:
    """Top TF-IDF keywords (jieba) per group of answers: ``counted_keywords`` of each group's distinct
    answers."""
    return counted_keywords(tally(unit=groups, answer=texts), top, min_answers, terms, stop_words, places)


def counted_keywords(counts: pd.Series, top: int = 10, min_answers: int = 5, terms: tuple[str, ...] = (),
                     stop_words: frozenset[str] = frozenset(), places: tuple[str, ...] = ()) -> pd.DataFrame:
    """Top TF-IDF keywords (jieba) per unit, from how many answers of each unit said each distinct text
    (``counts``: indexed by unit and answer), keeping only words found in at least ``min_answers`` answers.

    The threshold keeps names or other rare words that could identify a respondent out of reports. ``terms``
    (the questionnaire's own vocabulary) are kept whole; ``stop_words`` are left out, and so is any word that
    is part of a place's name in ``places`` ("前进" of 前进社区, "社区"): it says where, not what. Words of
    equal weight rank by the answers containing them, then in character order (so the counts' order, and
    how a survey was split into parts, never changes which words are shown).

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``keyword``, ``weight`` (TF-IDF) and ``answers`` (answers containing the word).
    """
    tfidf = _tfidf(tuple(terms))
    named = "\n".join(places)  # "word in named": part of some place's name
    cut: dict[str, list[str]] = {}  # each distinct answer segmented once, for every group it appears in
    candidates = []
    for group, block in counts.groupby(level=0, sort=False):
        answers = pd.Index(block.index.get_level_values(1), dtype="string")
        n = block.to_numpy()
        for word, weight in _tags(tfidf, answers, n, cut, top * 4, frozenset(terms)):
            if (word in GENERIC_WORDS or word in stop_words or len(word) < 2 or word in named
                    or not known(tfidf, word, frozenset(terms))):
                continue
            count = int(n[answers.str.contains(word, regex=False)].sum())
            if count >= min_answers:
                candidates.append((group, word, weight, count, int(n.sum())))
    every = pd.Index(counts.index.get_level_values(1), dtype="string")
    total, whole = counts.to_numpy(), int(counts.sum())
    area = {w: int(total[every.str.contains(w, regex=False)].sum()) for w in {c[1] for c in candidates}}
    rows = []
    for group, found in pd.DataFrame(candidates, columns=["g", "w", "x", "c", "n"]).groupby("g", sort=False):
        # distinctive: in a larger share of the group's answers than of the rest's
        rest_n = whole - found["n"]
        rest = [(area[w] - c) / r if r > 0 else 0.0
                for w, c, r in zip(found["w"], found["c"], rest_n, strict=True)]
        found = found.loc[(found["c"] / found["n"]).to_numpy() > np.array(rest)]
        found = found.sort_values(["x", "c", "w"], ascending=[False, False, True]).head(top)
        rows += [{"unit": group, "keyword": w, "weight": x, "answers": c}
                 for w, x, c in zip(found["w"], found["x"], found["c"], strict=True)]
    return pd.DataFrame(rows, columns=["unit", "keyword", "weight", "answers"])


@cache
def _pos(tfidf):
    """jieba's part-of-speech tagger over the extractor's own dictionary (built once: it reads the
    dictionary)."""
    from jieba.posseg import POSTokenizer

    tfidf.tokenizer.check_initialized()
    return POSTokenizer(tfidf.tokenizer)


def _content_words(tfidf, text: str, terms: frozenset[str]) -> list[str]:
    """The words of an answer that can be keywords: nouns and verbs (jieba's parts of speech, as
    ``extract_tags(allowPOS=…)``), English words and the survey's own terms."""
    return [p.word for p in _pos(tfidf).cut(text)
            if len(p.word.strip()) >= 2 and p.word.lower() not in tfidf.stop_words
            and (p.flag in CONTENT_POS or p.word in terms)]


def known(tfidf, word: str, terms: frozenset[str] = frozenset()) -> bool:
    """A word jieba's dictionary holds (or an English word, or a survey term) — not one it made up from
    characters it could not place, such as "比干" in "台账比干的活还多"."""
    return word in terms or word.isascii() or tfidf.tokenizer.FREQ.get(word, 0) > 0


def _tags(tfidf, answers: pd.Index, counts: np.ndarray, cut: dict[str, list[str]],
          top: int, terms: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
    """``jieba.analyse.extract_tags`` (``allowPOS``: nouns and verbs) of all answers joined by newlines, from
    each distinct answer's content words times its count; equal weights in character order, where jieba
    keeps the order the words first appear in."""
    freq: dict[str, float] = {}
    for text, n in zip(answers, counts, strict=True):
        if text not in cut:
            cut[text] = _content_words(tfidf, text, terms)
        for w in cut[text]:
            freq[w] = freq.get(w, 0.0) + float(n)
    total = sum(freq.values())
    for k in freq:
        freq[k] *= tfidf.idf_freq.get(k, tfidf.median_idf) / total
    return sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def frequent_words(texts: pd.Series, top: int = 20) -> list[str]:
    """The most frequent keywords of a set of open answers (real suggestions only), for hints."""
    real = texts.where(is_suggestion(texts))
    return keywords(real, pd.Series("all", index=texts.index), top=top)["keyword"].tolist()


def distinctive_quotes(texts: pd.Series, units: pd.Series, themes: pd.Series, terms: tuple[str, ...] = (),
                       per_theme: int = 6) -> pd.DataFrame:
    """Per unit and theme, the answers that say something of that unit's own: written in this unit only (an
    answer repeated in another unit is never quoted, so no two units' reports share a quote, nor one whose
    personal data was masked), ranked by how
    distinctive their words are for the unit (TF-IDF with the units as documents: a word's frequency in the
    unit's answers times the log of how few units use it), then by a readable length.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``theme``, ``quote``, ``score``: up to ``per_theme`` rows per (unit, theme), best first.
    """
    frame = pd.DataFrame({"unit": units.astype("string"), "theme": themes, "quote": texts.astype("string")})
    frame = frame.dropna()
    frame = frame.loc[~carries_mask(frame["quote"])]
    if frame.empty:
        return pd.DataFrame(columns=["unit", "theme", "quote", "score"])
    owners = frame.groupby("quote", observed=True)["unit"].nunique()
    frame = frame.loc[frame["quote"].map(owners).eq(1)].drop_duplicates(["unit", "quote"])
    tokenizer = _tfidf(tuple(terms)).tokenizer
    words = {t: {w for w in tokenizer.cut(t) if len(w.strip()) >= 2 and w not in GENERIC_WORDS}
             for t in frame["quote"].unique()}
    tf: dict[str, dict[str, int]] = {}
    for unit, quote in zip(frame["unit"], frame["quote"], strict=True):
        bag = tf.setdefault(unit, {})
        for w in words[quote]:
            bag[w] = bag.get(w, 0) + 1
    n_units = max(len(tf), 1)
    df: dict[str, int] = {}
    for bag in tf.values():
        for w in bag:
            df[w] = df.get(w, 0) + 1

    def score(unit: str, quote: str) -> float:
        ws = words[quote]
        if not ws:
            return 0.0
        # fsum: exactly rounded whatever order the set gives its words (a plain sum changed in the last bit
        # from one process to the next, and near-equal quotes swapped places)
        return math.fsum(tf[unit][w] * np.log((1 + n_units) / (1 + df[w])) for w in ws) / np.sqrt(len(ws))

    frame["score"] = [score(u, q) for u, q in zip(frame["unit"], frame["quote"], strict=True)]
    frame["_fit"] = (frame["quote"].str.len() - 30).abs()  # a readable length first, among equals
    frame = frame.sort_values(["unit", "theme", "score", "_fit", "quote"],
                              ascending=[True, True, False, True, True])
    best = frame.groupby(["unit", "theme"], observed=True).head(per_theme)
    return best[["unit", "theme", "quote", "score"]].reset_index(drop=True)
