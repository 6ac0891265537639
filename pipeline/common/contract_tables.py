"""The contracts of the analysis' tables (``analyze``): units and the district, dimensions and items with
their tests, reliability and validity, differences between units, drivers, waves, subgroups, shares of
answers, the problems chosen, open answers and the problem ledger."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from pipeline.common.contract_base import (
    Bool,
    Contract,
    Float,
    Int,
    OptInt,
    Str,
    share,
    value,
)


class Tested(Contract):
    """A comparison of each unit with the rest of the area (per dimension or per item)."""

    unit: Str
    n: Int
    mean: Float = value()
    sd: Float = value()
    rest_n: OptInt = value()
    rest_mean: Float = value()
    rest_sd: Float = value()
    t: Float = value()
    p: Float = share()
    df: Float = value()
    hedges_g: Float = value()
    diff: Float = value()
    ci_low: Float = value()
    ci_high: Float = value()
    note: Str
    tested: Bool
    p_fdr: Float = share()
    significant: Bool
    suppressed: Bool
    unfavourable: Float = share()
    se: Float | None = value()  # under a declared design: the mean's Taylor standard error
    deff: Float | None = value()  # and its design effect


class Satisfaction(Contract):
    """The overall question's figures, where the questionnaire has one."""

    satisfaction_mean: Float | None = value()
    satisfaction_n: OptInt | None = value()
    satisfaction_count: OptInt | None = value()
    satisfaction_rate: Float | None = share()
    satisfaction_ci_low: Float | None = value()
    satisfaction_ci_high: Float | None = value()
    satisfaction_se: Float | None = value()  # under a declared design


class Units(Satisfaction):
    unit: Str
    received: Int
    valid: Int
    rejected: Int
    kind: Str
    communities: OptInt | None = value()
    suggestions: OptInt = value()
    suppressed: Bool
    satisfaction_suppressed: Bool | None
    satisfaction_small_area: Float | None = share()  # Fay–Herriot EBLUP of a unit with few answers
    satisfaction_rank: OptInt | None = value()  # 1 = highest, among the shown rates
    satisfaction_rank_low: OptInt | None = value()  # its 95% interval
    satisfaction_rank_high: OptInt | None = value()


class District(Satisfaction):
    unit: Str
    received: Int
    valid: Int
    rejected: Int
    communities: Int | None
    suggestions: Int
    n_effective: Float | None = value()  # under a declared design: Kish's effective sample size


class UnitDimensions(Tested):
    dimension: Str
    dimension_name: Str
    mean_weighted: Float | None = value()
    n_effective: Float | None = value()
    small_area: Float | None = value()  # Fay–Herriot EBLUP of a unit with few answers


class UnitItems(Tested):
    item: Str
    item_text: Str
    dimension: Str
    rest_unfavourable: Float = share()
    n_effective: Float | None = value()


class DistrictDimensions(Contract):
    dimension: Str
    dimension_name: Str
    n: Int
    mean: Float = value()
    sd: Float = value()
    ci_low: Float = value()
    ci_high: Float = value()
    unfavourable: Float = share()
    n_items: Int
    alpha: Float = value()
    alpha_ci_low: Float | None = value()
    alpha_ci_high: Float | None = value()
    std_alpha: Float | None = value()
    alpha_note: Str
    se: Float | None = value()  # under a declared design
    deff: Float | None = value()
    n_effective: Float | None = value()


class Reliability(Contract):
    unit: Str
    dimension: Str
    n: Int
    k: Int
    alpha: Float = value()
    alpha_ci_low: Float = value()
    alpha_ci_high: Float = value()
    std_alpha: Float = value()
    note: Str


class ItemReliability(Contract):
    unit: Str
    dimension: Str
    item: Str
    item_text: Str
    citc: Float = value()
    alpha_if_deleted: Float = value()
    low_citc: Bool
    drop_raises_alpha: Bool


class Validity(Contract):
    n: Int
    items: Int
    kmo: Float = value()
    bartlett_chi2: Float = value()
    bartlett_df: Float = value()
    bartlett_p: Float = share()
    reading: Str


class ItemKmo(Contract):
    item: Str
    kmo: Float = value()


class Anova(Contract):
    dimension: Str
    dimension_name: Str
    F: Float | None = value()
    df1: Float | None = value()
    df2: Float | None = value()
    p: Float | None = share()
    np2: Float | None = value()
    note: Str
    significant: Bool


class GamesHowell(Contract):
    dimension: Str
    A: Str
    B: Str
    diff: Float = value()
    T: Float = value()
    df: Float = value()
    pval: Float = share()
    hedges: Float = value()
    significant: Bool


class Chi2(Contract):
    question: Str
    label: Str
    chi2: Float | None = value()
    dof: Float | None = value()
    p: Float | None = share()
    cramer_v: Float | None = value()
    share_expected_below_5: Float | None = share()
    note: Str
    rs_f: Float | None = value()  # under a declared design: Rao–Scott's F, its degrees of freedom
    rs_df1: Float | None = value()
    rs_df2: Float | None = value()


class Correlations(Contract):
    a: Str
    b: Str
    r: Float = value()


class Drivers(Contract):
    dimension: Str
    dimension_name: Str
    coef: Float = value()
    p: Float = share()
    relimp: Float = value()
    importance: Float = share()
    r2: Float = value()
    n: Int


class Ipa(Contract):
    unit: Str
    dimension: Str
    dimension_name: Str
    importance: Float = share()
    performance: Float = value()
    district_mean: Float = value()
    gap: Float = value()
    significant_low: Bool
    quadrant: Str
    suppressed: Bool


class Rejections(Contract):
    unit: Str
    rule: Str
    count: Int


class Held(Contract):
    """Per unit held back from publication (``pipeline.clean.release``): its counts as last published."""

    unit: Str
    status: Str
    rule: Str
    count: Int


class Changes(Contract):
    wave: Str
    wave_title: Str
    unit: Str
    dimension: Str
    dimension_name: Str
    shared_items: Int
    items: Int
    n_prev: OptInt = value()
    mean_prev: Float = value()
    n: OptInt = value()
    mean: Float = value()
    diff: Float = value()
    t: Float = value()
    p: Float = share()
    p_fdr: Float = share()
    hedges_g: Float = value()
    significant: Bool
    suppressed: Bool
    note: Series[pd.StringDtype] = value()
    sd_prev: Float = value()
    sd: Float = value()
    wave_order: Int  # 0: the oldest earlier wave
    wave_year: OptInt = value()  # the year its data ran to
    se_prev: Float = value()  # under a declared design, each wave's mean's design-based SE (else NaN)
    se: Float = value()


class Trends(Contract):
    """Per unit (and the area) and dimension over three or more waves: the linear trend's slope per wave,
    its test, and how many waves in a row it moved in its direction."""

    unit: Str
    dimension: Str
    dimension_name: Str
    points: Int
    slope: Float = value()
    se: Float = value()
    p: Float = share()
    p_fdr: Float = share()
    tested: Bool
    significant: Bool
    direction: Str  # up, down, or "" (no significant trend)
    run: Int  # consecutive waves, ending now, each lower (higher) than the one before
    annual: Bool  # those waves a year apart each


class Subgroups(Contract):
    unit: Str
    dimension: Str
    question: Str
    label: Str
    group: Str
    n: Int
    mean: Float = value()
    rest_n: Int
    rest_mean: Float = value()
    diff: Float = value()
    hedges_g: Float = value()
    p: Float = share()
    p_fdr: Float = share()
    significant: Bool
    suppressed: Bool


class Shares(Contract):
    """Counts and shares of the options of a question, per unit and for the area."""

    unit: Str
    question: Str
    option: Str
    count: OptInt = value()
    n: Int
    share: Float = share()
    ci_low: Float = value()
    ci_high: Float = value()
    suppressed: Bool


class Composition(Shares):
    pass


class Problems(Shares):
    """Each multi-select option's share per unit, and against the rest of the area (two-proportion z-test)."""

    rank: Int
    rest_share: Float = share()
    p: Float = share()
    p_fdr: Float = share()
    significant: Bool


class UnitProblems(Contract):
    """Every unit's problems and the evidence for each (``pipeline.analyze.evidence``)."""

    unit: Str
    dimension: Str
    dimension_name: Str
    kinds: Str
    priority: Int
    mean: Float = value()
    rest_mean: Float = value()
    area_mean: Float = value()
    points: Int
    low: Int
    level: Float = value()
    rank: Int
    dimensions: Int
    unfavourable: Float = share()
    area_unfavourable: Float = share()
    diff: Float = value()
    hedges_g: Float = value()
    p_fdr: Float = share()
    significant: Bool
    mean_prev: Float = value()
    area_mean_prev: Float = value()
    standard_score: Float = value()
    standard_unfavourable: Float = share()


class Themes(Contract):
    unit: Str
    theme: Str
    count: Int
    p_fdr: Float = share()
    significant: Bool  # written about significantly more than in the rest of the area


class Quotes(Contract):
    unit: Str
    theme: Str
    quote: Str


class Fieldwork(Contract):
    """座谈、走访 notes (``pipeline.fieldwork``), one row per paragraph, masked when read."""

    note: Int
    paragraph: Int
    file: Str
    unit: Str
    community: Str = value()
    date: Str
    kind: Str
    participants: OptInt = value()
    households: OptInt = value()
    text: Str
    dimensions: Str  # the dimension ids it bears on, comma-separated ("" none)
    tagged: Bool  # chosen by an explicit tag
    practice: Bool  # tagged as a practice worth telling (经验做法)


class Facts(Contract):
    """The research office's facts about each unit (``pipeline.fieldwork.facts``), long."""

    unit: Str
    fact: Str  # the table's column, as the questionnaire's ``facts`` declares it
    value: Float = value()  # its number (none for text facts and empty cells)
    text: Str  # as written


class Keywords(Contract):
    unit: Str
    keyword: Str
    weight: Float = value()
    answers: Int


class Communities(Contract):
    unit: Str
    community: Str
    valid: OptInt = value()
    suppressed: Bool


class ProblemLedger(Contract):
    unit: Str
    dimension: Str
    dimension_name: Str
    item: Series[pd.StringDtype] = value()
    item_text: Series[pd.StringDtype] = value()
    kinds: Str
    mean: Float = value()
    rest_mean: Float = value()
    diff: Float = value()
    p_fdr: Float = share()
    hedges_g: Float = value()
    unfavourable: Float = share()
    themes: Str
    measures: Str
    owner: Str
    target: Str
    target_score: Float = value()
    target_unfavourable: Float = share()
