"""成效与亮点: what a unit does better, on evidence only — dimensions significantly above the rest of the
area, significant improvement since an earlier wave, a satisfaction rate whose whole 95% interval lies above
the area's rate — as facts (``report.compose.text_strengths`` words them). A unit with none of these but no
problem either is described by its highest dimensions, said as such (never as 显著). Descriptive dimensions
(``direction: none``) are never strengths."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.evidence import evaluated
from pipeline.analyze.tables import Analysis
from pipeline.common.rules import significantly_high
from pipeline.findings.fieldwork import practices
from pipeline.findings.model import Basic, DimensionScore, Problems, Strengths
from pipeline.questionnaire import Questionnaire

BEST_NAMED = 2


def scores(rows: pd.DataFrame) -> list[DimensionScore]:
    return [DimensionScore(name=r["dimension_name"], mean=r["mean"], rest_mean=r["rest_mean"])
            for _, r in rows.iterrows()]


def strengths_section(unit: str, a: Analysis, q: Questionnaire, basic: Basic,
                      problems: Problems) -> Strengths:
    """The unit's strengths (none where it is too small to show)."""
    if basic.withheld:
        return Strengths(withheld=True)
    judged = evaluated(q)
    ud = a.unit_dimensions
    ud = ud.loc[(ud["unit"] == unit) & ud["dimension"].isin(judged)]
    high = ud.loc[significantly_high(ud)].sort_values("diff", ascending=False)
    high = high if basic.tested else high.iloc[:0]
    improved = [c for c in problems.changes if c.diff > 0 and c.dimension in judged]
    rate_above = (basic.satisfaction_ci is not None and basic.area_rate is not None
                  and basic.satisfaction_ci[0] > basic.area_rate)
    best: list[DimensionScore] = []
    shown = ud.loc[~ud["suppressed"] & ud["rest_mean"].notna()]
    if high.empty and not improved and not rate_above and not problems.items and not shown.empty and (
        shown["mean"].round(2) >= shown["rest_mean"].round(2)
    ).all():
        best = scores(shown.nlargest(BEST_NAMED, "mean"))  # good on everything: its highest, said as such
    rate = dict(rate=basic.satisfaction_rate, rate_ci=basic.satisfaction_ci, area_rate=basic.area_rate)
    return Strengths(high=scores(high), improved=improved, rate_above=rate_above, best=best,
                     tested=basic.tested, practices=practices(a, unit), **(rate if rate_above else {}))
