"""Scales ordered from their words: a corpus of label sets as Chinese questionnaires write them, each either
ordered exactly right or left for the user to confirm — never ordered wrongly."""

import random

import pytest

from pipeline.ingest.scales import kind, looks_ordinal, order

# (labels from the lowest to the highest, True if their words alone must establish the order)
CORPUS = [
    (["不同意", "同意"], True),
    (["不同意", "说不清", "同意"], True),
    (["非常不同意", "比较不同意", "一般", "比较同意", "非常同意"], True),
    (["非常不同意", "不同意", "一般", "同意", "非常同意"], True),
    (["完全不同意", "不同意", "有点不同意", "说不清", "有点同意", "同意", "完全同意"], True),
    (["非常不同意", "不同意", "有点不同意", "中立", "有点同意", "同意", "非常同意"], True),
    (["很不同意", "不太同意", "比较同意", "非常同意"], True),
    (["非常不同意", "不同意", "比较不同意", "比较同意", "同意", "非常同意"], True),
    (["完全不赞同", "不赞同", "一般", "赞同", "完全赞同"], True),
    (["不符合", "一般", "符合"], True),
    (["完全不符合", "比较不符合", "一般", "比较符合", "完全符合"], True),
    (["非常不符合", "不太符合", "一般", "比较符合", "非常符合"], True),
    (["不满意", "满意"], True),
    (["不满意", "一般", "满意"], True),
    (["很不满意", "不太满意", "比较满意", "很满意"], True),
    (["很不满意", "不太满意", "比较满意", "非常满意"], True),
    (["非常不满意", "比较不满意", "一般", "比较满意", "非常满意"], True),
    (["非常不满意", "不满意", "一般", "满意", "非常满意"], True),
    (["不满意", "基本满意", "满意", "非常满意"], True),
    (["从不", "偶尔", "经常"], True),
    (["从不", "很少", "有时", "经常", "总是"], True),
    (["从不", "偶尔", "有时", "经常", "总是"], True),
    (["从来没有", "偶尔", "经常"], True),
    (["非常不重要", "不太重要", "一般", "比较重要", "非常重要"], True),
    (["不重要", "一般", "重要"], True),
    (["完全不了解", "不太了解", "比较了解", "非常了解"], True),
    (["不了解", "了解一些", "比较了解", "非常了解"], True),
    (["很差", "较差", "一般", "较好", "很好"], True),
    (["差", "一般", "好"], True),
    (["很低", "较低", "一般", "较高", "很高"], True),
    (["非常不支持", "不太支持", "无所谓", "比较支持", "非常支持"], True),
    (["很不愿意", "不太愿意", "说不好", "比较愿意", "非常愿意"], True),
    ([str(i) for i in range(0, 11)], True),
    ([str(i) for i in range(1, 8)], True),
    (["1分", "2分", "3分", "4分", "5分"], True),
    (["1（非常不满意）", "2", "3", "4", "5（非常满意）"], True),
    (["1 非常不同意", "2 不同意", "3 一般", "4 同意", "5 非常同意"], True),
    (["1星", "2星", "3星", "4星", "5星"], True),
    # words that do not say which of two is higher: left for the user
    (["满意", "很满意", "非常满意"], False),
    (["从不", "很少", "偶尔", "有时", "经常"], False),
    (["不满意", "一般", "还行", "满意"], False),
]


@pytest.mark.parametrize(("labels", "readable"), CORPUS, ids=["、".join(c[0]) for c in CORPUS])
def test_a_shuffled_label_set_is_ordered_right_or_not_at_all(labels, readable):
    assert len(CORPUS) >= 30
    for seed in range(5):  # as an export shows them: in the order of their frequency, any order
        shuffled = labels[:]
        random.Random(seed).shuffle(shuffled)
        got = order(shuffled)
        assert got in (labels, None), (shuffled, got)  # never a wrong order
        if readable:
            assert got == labels, shuffled


@pytest.mark.parametrize(
    "labels", [["党员", "群众"], ["男", "女"], ["东湖街道", "石桥乡"], ["是", "否"], ["同意", "满意"]]
)
def test_what_is_not_one_scale_is_not_ordered(labels):
    assert order(labels) is None and not looks_ordinal(labels)


def test_a_scale_is_named_by_what_it_measures():
    assert kind(["很不满意", "比较满意"]) == "满意程度"
    assert kind(["完全不同意", "完全同意"]) == "同意程度"
    assert kind(["从不", "经常"]) == "频率"
    assert kind(["1", "5"]) == "评分"
    assert looks_ordinal(["满意", "很满意", "非常满意"])  # a scale, its order to be confirmed


def test_an_answer_that_is_an_options_text_is_that_option_not_a_code():
    """On a 0–10 scale the answer "1" is the option "1" (the second), not code 1 (the option "0"): an option's
    own text comes before reading a number as a code; codes still work where no option is a number."""
    from pipeline.common.matching import Names
    from pipeline.ingest.answers import _coded

    ten = Names([str(i) for i in range(0, 11)])
    assert [_coded(ten, str(v), 11) for v in range(0, 11)] == list(range(1, 12))
    words = Names(["很不满意", "不太满意", "比较满意", "非常满意"])
    assert [_coded(words, v, 4) for v in ["1", "4", "比较满意"]] == [1, 4, 3]
