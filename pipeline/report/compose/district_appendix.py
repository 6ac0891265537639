"""The overview's appendices as document blocks: drivers, differences between units (Welch ANOVA,
Games–Howell, χ² of composition), changes since earlier waves, reliability and validity, data quality."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import p_text
from pipeline.common.names import DISTRICT
from pipeline.common.rules import ALPHA, CITC_MIN
from pipeline.report.compose.parts import column, paragraphs
from pipeline.report.compose.text_changes import verdict
from pipeline.report.document import Column, Table
from pipeline.wording import Wording

C = "district_columns."


def wave_title(wave: str, m: Manifest) -> str:
    return next((x.title for x in m.waves if x.wave == wave), wave)


def changes_table(a, m: Manifest, wd: Wording) -> Table | None:
    """Every unit and dimension against each earlier wave (cells withheld by disclosure control blank)."""
    c = a.changes
    if c.empty:
        return None
    rows = [
        [
            wave_title(r["wave"], m),
            r["unit"],
            r["dimension_name"],
            int(r["shared_items"]),
            int(r["items"]),
            r["n_prev"],
            r["mean_prev"],
            r["n"],
            r["mean"],
            r["diff"],
            r["hedges_g"],
            r["p_fdr"],
            verdict(wd, r["significant"], r["diff"], pd.notna(r["p_fdr"])),
            r["note"] or "",
        ]
        for _, r in c.iterrows()
    ]
    rows = [[None if isinstance(v, float) and pd.isna(v) else v for v in row] for row in rows]
    kinds = {
        "shared_items": "count",
        "items": "count",
        "n_prev": "count",
        "mean_prev": "score",
        "n": "count",
        "mean": "score",
        "change_diff": "signed",
    }
    return Table(
        key="changes",
        title=wd.say("report.district.changes"),
        columns=[
            column(wd, C + "wave"),
            column(wd, C + "unit"),
            column(wd, "dimension"),
            *(column(wd, C + k, kind) for k, kind in kinds.items()),
            column(wd, "hedges_g", "signed"),
            column(wd, "p_fdr", "p"),
            column(wd, "conclusion"),
            column(wd, C + "note"),
        ],
        rows=rows,
    )


def trends_table(a, wd: Wording) -> Table | None:
    """Every unit's (and the area's) dimensions over three or more waves: the slope per wave and its test."""
    t = a.trends
    if t.empty:
        return None

    def said(r: pd.Series) -> str:
        if not r["tested"]:
            return wd.say("changes.verdict.untested")
        return wd.say(f"report.district.trend_verdict.{r['direction'] or 'none'}")

    rows = [[r["unit"], r["dimension_name"], int(r["points"]), None if pd.isna(r["slope"]) else r["slope"],
             None if pd.isna(r["p_fdr"]) else r["p_fdr"], said(r)] for _, r in t.iterrows()]
    return Table(
        key="trends",
        title=wd.say("report.district.trends"),
        columns=[column(wd, C + "unit"), column(wd, "dimension"), column(wd, C + "points", "count"),
                 column(wd, C + "slope", "signed"), column(wd, "p_fdr", "p"), column(wd, "conclusion")],
        rows=rows,
    )


def drivers_blocks(a, m: Manifest, wd: Wording) -> list:
    overall = m.words.overall
    if overall is None:
        return []
    d = a.drivers.sort_values("importance", ascending=False)
    if d.empty or d["importance"].isna().all():
        return paragraphs([wd.say("report.district.no_drivers")])
    intro = wd.say(
        "report.district.drivers_intro",
        overall=overall.label,
        r2=float(d["r2"].iloc[0]),
        n=int(d["n"].iloc[0]),
    )
    return [
        *paragraphs([intro]),
        Table(
            key="drivers",
            title=wd.say("report.district.drivers"),
            columns=[
                column(wd, "dimension"),
                column(wd, C + "coef", "stat3"),
                column(wd, C + "p", "p"),
                column(wd, C + "importance", "share"),
            ],
            rows=[[r["dimension_name"], r["coef"], r["p"], r["importance"]] for _, r in d.iterrows()],
        ),
    ]


def _anova(a, wd: Wording) -> list:
    an = a.anova
    if "F" not in an or an["F"].isna().all():
        return paragraphs([wd.say("report.district.no_anova")])
    return [
        Table(
            key="anova",
            title=wd.say("report.district.anova"),
            columns=[
                column(wd, "dimension"),
                column(wd, C + "F", "stat2"),
                column(wd, C + "df"),
                column(wd, C + "p", "p"),
                column(wd, C + "np2", "stat3"),
                column(wd, "conclusion"),
            ],
            rows=[
                [
                    r["dimension_name"],
                    r["F"],
                    f"{r['df1']:.0f}, {r['df2']:.1f}",
                    r["p"],
                    r["np2"],
                    wd.say(
                        "report.district.anova_significant"
                        if r["significant"]
                        else "report.district.anova_same"
                    ),
                ]
                for _, r in an.iterrows()
            ],
        )
    ]


def _pairs(a, wd: Wording) -> list:
    gh = a.games_howell
    if gh.empty:
        return paragraphs([wd.say("report.district.no_pairs")])
    names = a.district_dimensions.set_index("dimension")["dimension_name"]
    total = gh.groupby("dimension").size()
    sig = gh.loc[gh["significant"]].groupby("dimension").size().reindex(total.index, fill_value=0)
    return [
        Table(
            key="games_howell",
            title=wd.say("report.district.games_howell"),
            columns=[
                column(wd, "dimension"),
                column(wd, C + "pairs", "count"),
                column(wd, C + "pairs_significant", "count", alpha=ALPHA),
            ],
            rows=[[names.get(d, d), int(total[d]), int(sig[d])] for d in total.index],
        )
    ]


def _chi2_note(r: pd.Series, wd: Wording) -> str:
    """The test's note; under a declared design, the Rao–Scott F its p comes from."""
    if not pd.isna(r.get("rs_f", float("nan"))):
        return wd.say("report.district.rao_scott", f=r["rs_f"], df1=r["rs_df1"], df2=r["rs_df2"])
    return r["note"] or wd.say("report.dash")


def _chi2(a, m: Manifest, wd: Wording) -> list:
    c = a.chi2
    if "chi2" not in c or c.empty:
        return []
    return [
        *paragraphs([wd.say("report.district.chi2_intro", alpha=ALPHA)]),
        Table(
            key="chi2",
            title=wd.say("report.district.chi2"),
            columns=[
                column(wd, "aspect"),
                column(wd, C + "chi2", "stat2"),
                column(wd, C + "df", "dof"),
                column(wd, C + "p", "p"),
                column(wd, C + "cramer_v", "stat3"),
                column(wd, C + "note"),
            ],
            rows=[
                [r["label"], r["chi2"], r["dof"], r["p"], r["cramer_v"], _chi2_note(r, wd)]
                for _, r in c.iterrows()
            ],
        ),
    ]


def tests_blocks(a, m: Manifest, wd: Wording) -> list:
    """Differences between units: Welch ANOVA per dimension, Games–Howell pairs, χ² of composition."""
    return _anova(a, wd) + _pairs(a, wd) + _chi2(a, m, wd)


def _reliability_table(a, wd: Wording) -> Table:
    d = a.district_dimensions
    return Table(
        key="reliability",
        title=wd.say("report.district.reliability"),
        columns=[
            column(wd, "dimension"),
            column(wd, C + "n_items", "count"),
            column(wd, "valid", "count"),
            column(wd, C + "area_score", "score"),
            column(wd, "ci"),
            column(wd, C + "alpha", "stat3"),
            column(wd, C + "std_alpha", "stat3"),
            column(wd, C + "alpha_ci"),
        ],
        rows=[
            [
                r["dimension_name"],
                int(r["n_items"]),
                int(r["n"]),
                r["mean"],
                f"{r['ci_low']:.2f}–{r['ci_high']:.2f}",
                r["alpha"],
                r.get("std_alpha"),
                wd.say("report.dash")
                if pd.isna(r.get("alpha_ci_low"))
                else f"{r['alpha_ci_low']:.3f}–{r['alpha_ci_high']:.3f}",
            ]
            for _, r in d.iterrows()
        ],
    )


def _items_table(a, wd: Wording) -> Table:
    ir = a.item_reliability.loc[a.item_reliability["unit"] == DISTRICT]
    names = a.district_dimensions.set_index("dimension")["dimension_name"]
    hints = (
        wd.say("report.district.low_citc", citc_min=CITC_MIN),
        wd.say("report.district.drop_raises_alpha"),
    )
    notes = [
        "；".join(h for h, on in zip(hints, (lc, dr), strict=True) if on) or wd.say("report.dash")
        for lc, dr in zip(ir["low_citc"], ir["drop_raises_alpha"], strict=True)
    ]
    return Table(
        key="item_reliability",
        title=wd.say("report.district.item_reliability"),
        columns=[
            column(wd, "dimension"),
            column(wd, "item"),
            column(wd, C + "citc", "stat3"),
            column(wd, C + "alpha_if_deleted", "stat3"),
            column(wd, C + "hint"),
        ],
        rows=[
            [names.get(r["dimension"], r["dimension"]), r["item_text"], r["citc"], r["alpha_if_deleted"], n]
            for (_, r), n in zip(ir.iterrows(), notes, strict=True)
        ],
    )


def reliability_blocks(a, m: Manifest, wd: Wording) -> list:
    v = a.validity.iloc[0]
    if pd.isna(v["kmo"]):
        validity = wd.say("report.district.validity_reading", reading=v["reading"])
    else:
        validity = wd.say(
            "report.district.validity",
            items=int(v["items"]),
            n=int(v["n"]),
            kmo=v["kmo"],
            reading=v["reading"],
            chi2=v["bartlett_chi2"],
            df=int(v["bartlett_df"]),
            p=p_text(v["bartlett_p"]),
            alpha=ALPHA,
        )
    return [_reliability_table(a, wd), _items_table(a, wd), *paragraphs([validity])]


def quality_blocks(a, m: Manifest, wd: Wording) -> list:
    w = m.words
    out = []
    r = a.rejections
    if r.empty:
        out += paragraphs([wd.say("report.district.no_rejections")])
    else:
        table = r.pivot_table(index="unit", columns="rule", values="count", aggfunc="sum", fill_value=0)
        table[wd.say("report.district.rejections_total")] = table.sum(axis=1)
        table = table.reindex([u for u in a.units["unit"] if u in table.index])
        table.loc[wd.say("report.district.area_total")] = table.sum()
        out.append(
            Table(
                key="rejections",
                title=wd.say("report.district.rejections"),
                columns=[column(wd, C + "unit")] + [Column(name=str(c), kind="count") for c in table.columns],
                rows=[[idx, *map(int, row)] for idx, row in zip(table.index, table.to_numpy(), strict=True)],
            )
        )
    c = a.communities
    if not c.empty:
        out.append(
            Table(
                key="communities",
                title=wd.say("report.district.communities"),
                columns=[
                    column(wd, C + "unit"),
                    Column(name=w.community_label),
                    column(wd, C + "valid", "count"),
                ],
                rows=[
                    [r["unit"], r["community"], SUPPRESSED if r["suppressed"] else int(r["valid"])]
                    for _, r in c.iterrows()
                ],
            )
        )
    return out
