"""The one masking rule set: every written form of a phone, ID, card number, e-mail or IP is masked,
ordinary numbers are not, and the schema's check agrees with the masking by construction."""

import pandas as pd
import pytest

from pipeline.common.privacy import (
    EMAIL,
    ID_NUMBER,
    IP,
    NUMBER,
    PHONE,
    holds_personal_data,
    redact,
    redact_series,
)

MASKED = [
    ("13912345678", PHONE),
    ("１３９１２３４５６７８", PHONE),  # full-width digits
    ("139 1234 5678", PHONE),
    ("139\u30001234\u30005678", PHONE),  # ideographic spaces
    ("139-1234-5678", PHONE),
    ("１３９－１２３４－５６７８", PHONE),
    ("+86 139 1234 5678", PHONE),
    ("1 3 9 1 2 3 4 5 6 7 8", PHONE),
    ("025-83456789", PHONE),
    ("(010)12345678", PHONE),
    ("（010）6234-5678", PHONE),
    ("【0755】8888 9999", PHONE),
    ("[021] 5555-6666", PHONE),
    ("0755 8888 9999", PHONE),
    ("320102199003077715", ID_NUMBER),
    ("32010219900307771X", ID_NUMBER),
    ("３２０１０２１９９００３０７７７１５", ID_NUMBER),
    ("123456789012345678", NUMBER),  # an 18-digit order number: not a valid ID, masked all the same
    ("6222 0212 3456 7890 123", NUMBER),  # a bank card
    ("320102900307771", NUMBER),  # an old 15-digit ID
    ("a.b@qq.com", EMAIL),
    ("ａｂ＠ｑｑ．ｃｏｍ", EMAIL),
    ("x@qq", EMAIL),
    ("117.136.1.2", IP),
    ("２０２.１０２.８５.１２", IP),
    ("fe80::1ff:fe23:4567:890a", IP),
]


@pytest.mark.parametrize(("value", "mask"), MASKED)
def test_every_form_is_masked(value, mask):
    out = redact(f"建议加强服务，联系{value}谢谢")
    assert out == f"建议加强服务，联系{mask}谢谢"
    assert redact(out) == out  # idempotent: masking twice changes nothing


def test_digits_after_a_contact_word_are_masked():
    assert redact("我的电话是83456789") == f"我的电话是{NUMBER}"
    assert redact("QQ：1234567，微信88886666") == f"QQ：{NUMBER}，微信{NUMBER}"


def test_an_email_with_a_full_stop_keeps_the_sentence():
    assert redact("邮箱a.b@qq.com。谢谢") == f"邮箱{EMAIL}。谢谢"
    assert redact("x@qq.。") == f"{EMAIL}.。"


@pytest.mark.parametrize(
    "text",
    [
        "一年参加12次，2024年共3场",
        "2026/9/3 9:07:03",
        "会议9:00:00开始",
        "共010场",
        "2014-2019年",
        "第1、2、3条",
        "占比35.5%",
        "３５岁以下",
        "五年来投入120万元",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == text


def test_series_helpers_agree_with_redact():
    s = pd.Series(["无", None, "电话13912345678", "x@qq.。", "12次"], dtype="string")
    assert redact_series(s).tolist() == ["无", pd.NA, f"电话{PHONE}", f"{EMAIL}.。", "12次"]
    assert holds_personal_data(s).tolist() == [False, False, True, True, False]
    assert not holds_personal_data(redact_series(s)).any()
