"""Wave over wave in words: which dimensions changed significantly since an earlier survey, for a unit and for
the area (the verdict 明显提高/下降 from ``common.rules.change_verdict``, the wave named by its title)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.formatting import score
from pipeline.common.names import DISTRICT
from pipeline.common.rules import change_verdict
from pipeline.findings.model import Change
from pipeline.questionnaire import Words


def partial_note(c: pd.DataFrame) -> str:
    """Which dimensions were compared on fewer items than they have (the questionnaire changed)."""
    part = c.loc[c["shared_items"] < c["items"]].drop_duplicates("dimension")
    listed = "、".join(
        f"“{r['dimension_name']}”只比较了两次都有的{int(r['shared_items'])}道题" for _, r in part.iterrows()
    )
    return f"（问卷有调整，{listed}）" if listed else ""


def unit_changes(unit: str, a: Analysis) -> tuple[list[Change], list[str]]:
    """The unit against each earlier wave: significant changes only."""
    records, text = [], []
    if a.changes.empty:
        return records, text
    for title, c in a.changes.loc[a.changes["unit"] == unit].groupby("wave_title", sort=False):
        tested = c.loc[c["p_fdr"].notna()]
        if tested.empty:
            text.append(f"与{title}相比：样本不足，不判断变化。")
            continue
        parts = []
        for _, r in tested.loc[tested["significant"]].sort_values("diff").iterrows():
            verdict = change_verdict(True, r["diff"], True)
            records.append(
                Change(
                    wave=title,
                    dimension=r["dimension"],
                    name=r["dimension_name"],
                    mean_prev=float(r["mean_prev"]),
                    mean=float(r["mean"]),
                    direction=verdict[-2:],
                )
            )
            parts.append(
                f"“{r['dimension_name']}”得分{verdict}（{score(r['mean_prev'])}→{score(r['mean'])}分）"
            )
        text.append(
            (
                f"与{title}相比，" + "；".join(parts) + "，变化经统计检验显著"
                if parts
                else f"与{title}相比，各方面得分没有统计学意义上的明显变化"
            )
            + partial_note(c)
            + "。"
        )
    return records, text


def district_changes(a: Analysis, w: Words) -> list[str]:
    """Since each earlier wave: the area as a whole, and the units that improved or declined."""
    out = []
    for title, c in a.changes.groupby("wave_title", sort=False):
        sig = c.loc[c["significant"] & (c["unit"] != DISTRICT)].sort_values("diff")
        up = [f"{r['unit']}“{r['dimension_name']}”" for _, r in sig.iloc[::-1].iterrows() if r["diff"] > 0]
        down = [f"{r['unit']}“{r['dimension_name']}”" for _, r in sig.iterrows() if r["diff"] < 0]
        whole = c.loc[(c["unit"] == DISTRICT) & c["significant"]]
        area = "；".join(
            f"“{r['dimension_name']}”{change_verdict(True, r['diff'], True)[-2:]}"
            f"（{score(r['mean_prev'])}→{score(r['mean'])}分）"
            for _, r in whole.iterrows()
        )
        out.append(
            f"与{title}相比，{w.area}整体"
            + (f"明显变化的方面有：{area}" if area else "各方面没有明显变化")
            + "；"
            + (f"明显提高的有{'、'.join(up)}" if up else "没有明显提高的单位和方面")
            + "；"
            + (f"明显下降的有{'、'.join(down)}" if down else "没有明显下降的单位和方面")
            + partial_note(c)
            + "（变化均经统计检验显著）。"
        )
    return out
