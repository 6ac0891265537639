"""成效与亮点 in words: each strength in its own evidence's words (显著 only where the test says so), or one
sentence that the survey found none, or a unit's highest dimensions said as such."""

from __future__ import annotations

from pipeline.common.rules import MIN_CELL
from pipeline.findings.model import Strengths
from pipeline.report.compose.text_fieldwork import heard
from pipeline.wording import Wording


def strength_parts(s: Strengths, wd: Wording) -> list[str]:
    """Each strength in its own evidence's words (a unit's, or the overview's 经验)."""
    out = []
    if s.high:
        out.append(wd.say("strengths.high", scores=[wd.say("strengths.high_score", **x.model_dump())
                                                    for x in s.high]))
    for wave in dict.fromkeys(c.wave for c in s.improved):
        out.append(wd.say("strengths.improved", wave=wave, changes=[
            wd.say("strengths.change", name=c.name, mean_prev=c.mean_prev, mean=c.mean)
            for c in s.improved if c.wave == wave]))
    if s.rate_above and s.rate_ci is not None:
        out.append(wd.say("strengths.rate", rate=s.rate, low=s.rate_ci[0], high=s.rate_ci[1],
                          area_rate=s.area_rate))
    return out


def strengths_text(s: Strengths, wd: Wording) -> list[str]:
    """成效与亮点's paragraphs."""
    if s.withheld:
        return [wd.say("strengths.withheld", min_cell=MIN_CELL)]
    out = strength_parts(s, wd)
    if not out and s.best:
        out.append(wd.say("strengths.best", scores=[wd.say("strengths.best_score", **x.model_dump())
                                                    for x in s.best]))
    if not out:
        out.append(wd.say("strengths.none" if s.tested else "strengths.untested"))
    if s.practices:
        out.append(wd.say("strengths.practice", heard=heard(s.practices, wd)))
    return out
