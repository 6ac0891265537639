"""Fieldwork notes (座谈会、走访、明察暗访、个别访谈) as data: read, checked, masked and coded to dimensions.

A survey's notes live in ``data/raw/<survey>/fieldwork/``, in any mix of:

- Markdown (``.md``): a YAML header between ``---`` lines, then paragraphs separated by blank lines;
- Word (``.docx``): header paragraphs ``键：值`` at the top, then the paragraphs of the note;
- a log (``.xlsx`` or ``.csv``): one note per row, the header's keys as columns and the text in ``内容``.

Header keys (Chinese or English): 单位/unit (required), 日期/date (required), 形式/kind (required: one of
``KINDS``), 社区/村/community, 人数/participants, 户数/households, 标签/tags (dimension or theme names, for
every paragraph). Every note ends in the unit it names or a ``SurveyError`` naming file, line and what was
expected (an unknown unit with the closest known ones). Texts are masked by the privacy rules of open
answers (``pipeline.common.privacy.redact``) and of names (``mask_names``) before anything is stored.

Each paragraph is coded to dimensions: its own ``#标签`` first, else the note's 标签, else the dimensions of
the themes whose keywords it contains and of the dimension names it mentions; an explicit tag always wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import read_small_table
from pipeline.common.matching import Names, nearest, unit_key
from pipeline.common.privacy import redact
from pipeline.questionnaire import Questionnaire

KINDS = ("座谈会", "走访", "明察暗访", "个别访谈")
KEYS = {"单位": "unit", "unit": "unit", "社区": "community", "村": "community", "社区（村）": "community",
        "community": "community", "日期": "date", "date": "date", "形式": "kind", "类型": "kind",
        "kind": "kind", "人数": "participants", "参加人数": "participants", "participants": "participants",
        "户数": "households", "走访户数": "households", "households": "households", "标签": "tags",
        "tags": "tags", "内容": "text", "text": "text"}
REQUIRED = ("unit", "date", "kind")
SUFFIXES = (".md", ".docx", ".xlsx", ".csv")
NAME = "〔姓名已隐去〕"
TITLES = ("书记", "副书记", "主任", "副主任", "委员", "部长", "局长", "镇长", "乡长", "村长", "组长", "站长",
          "所长", "队长", "社长", "老师", "大爷", "大妈", "大娘", "阿姨", "师傅", "同志", "网格员", "楼长")
SAYING = ("说", "反映", "表示", "介绍", "提出", "提到", "认为", "讲", "告诉", "谈到", "建议", "同志")
# a single surname before a title ("王书记", "刘主任"): the surname is masked, the title kept
SURNAMES = ("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
            "鲁韦昌马苗凤花方俞任袁柳鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄"
            "和穆萧尹姚邵汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭"
            "梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯管卢莫房裘缪干解应宗丁宣邓郁单杭洪包诸左石崔吉龚程邢裴"
            "陆荣翁荀羊甄曲封储靳汲邴糜松井段富巫乌焦巴弓牧山谷车侯全班仰秋仲伊宫宁仇栾暴甘厉戎祖武符刘景詹"
            "束龙叶幸司韶黎薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥苍闻党翟谭贡劳逄姬申扶堵冉宰郦雍桑桂濮"
            "牛寿通边扈燕冀浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终居衡步都耿满弘匡国文寇广禄"
            "阙东欧沃利蔚越隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾沙养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公")
_SURNAME_TITLE = re.compile(f"[{SURNAMES}](?=(?:{'|'.join(TITLES)}))")
PRACTICE = ("经验做法", "做法", "亮点")  # a tag marking a practice worth telling (成效与亮点, 经验做法)
_TAG = re.compile(r"#([^\s#，。；、,;]+)")


@dataclass(frozen=True)
class Notes:
    """The notes read: one row each (``notes``: note, file, line, unit, community, date, kind,
    participants, households) and their paragraphs (``paragraphs``: note, paragraph, text, dimensions as a
    list of ids, tagged: whether an explicit tag chose them, practice: tagged 经验做法/做法/亮点)."""

    notes: pd.DataFrame
    paragraphs: pd.DataFrame


def mask_names(text: str) -> str:
    """``text`` with personal names masked: a word jieba takes for a person's name (``nr``) where a title
    or a verb of saying follows it ("张建国书记", "李秀英说"), and a surname before a title ("王书记" →
    "某书记"); numbers, addresses and the like by ``redact``. The context keeps place names and words jieba
    mistakes for names ("龙井村", "二十多张表") as they are."""
    import jieba.posseg

    words = list(jieba.posseg.cut(redact(text)))
    out = []
    for i, word in enumerate(words):
        after = words[i + 1].word if i + 1 < len(words) else ""
        named = word.flag == "nr" and after.startswith((*TITLES, *SAYING))
        if named and len(word.word) >= 2:
            out.append(NAME)
        elif named and word.word in SURNAMES:
            out.append("某")
        else:
            out.append(word.word)
    return _SURNAME_TITLE.sub("某", "".join(out))


def note_files(folder: Path) -> list[Path]:
    """The note files of a fieldwork folder, in name order (hidden and temporary files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.startswith((".", "~$")))


def read_notes(folder: Path, questionnaire: Questionnaire) -> Notes:
    """Every note in ``folder``, checked, masked and coded (see the module's docstring)."""
    q = questionnaire
    units = Names(q.unit_question.options, unit_key)
    coder = _Coder(q)
    notes, paragraphs = [], []
    for path in note_files(folder):
        for raw in _raw_notes(path):
            note = _checked(raw, path, units, q)
            note["note"] = len(notes) + 1
            notes.append(note)
            paragraphs += coder.code(note["note"], raw["paragraphs"], raw.get("tags", []), path, raw["line"])
    columns = ["note", "file", "line", "unit", "community", "date", "kind", "participants", "households"]
    return Notes(pd.DataFrame(notes, columns=columns),
                 pd.DataFrame(paragraphs, columns=["note", "paragraph", "text", "dimensions", "tagged",
                                                   "practice"]))


def _raw_notes(path: Path) -> list[dict]:
    """The notes of one file as written: header keys (canonical), ``paragraphs`` and the header's ``line``."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        return [_markdown(path)]
    if suffix == ".docx":
        return [_word(path)]
    return _log(path)


def _markdown(path: Path) -> dict:
    import yaml

    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or lines[0].strip() != "---":
        raise SurveyError("调研记录应以“---”开头的表头（单位、日期、形式等）开始", file=str(path), row=1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SurveyError("调研记录的表头没有以“---”结束", file=str(path), row=1) from None
    try:
        header = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 2 if mark is not None else 2
        raise SurveyError(f"调研记录的表头格式有误：{getattr(exc, 'problem', exc)}", file=str(path),
                          row=row) from None
    if not isinstance(header, dict):
        raise SurveyError("调研记录的表头应是“键: 值”的若干行", file=str(path), row=2)
    body = "\n".join(lines[end + 1:])
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return {**_keys(header, path, 2), "paragraphs": paragraphs, "line": 2}


def _word(path: Path) -> dict:
    import docx

    try:
        texts = [p.text.strip() for p in docx.Document(str(path)).paragraphs]
    except Exception as exc:  # python-docx raises several kinds on a damaged file
        raise SurveyError(f"Word文件无法读取：{exc}", file=str(path)) from None
    header, body_from = {}, 0
    for i, text in enumerate(texts):
        if not text:
            if header:
                body_from = i + 1
                break
            continue
        pair = re.match(r"\s*([^:：]+)[:：]\s*(.*)$", text)
        if pair is None or pair.group(1).strip() not in KEYS:
            body_from = i
            break
        header[pair.group(1).strip()] = pair.group(2).strip()
        body_from = i + 1
    if not header:
        raise SurveyError("Word调研记录开头应是“单位：…”“日期：…”“形式：…”等表头段落", file=str(path), row=1)
    return {**_keys(header, path, 1), "paragraphs": [t for t in texts[body_from:] if t], "line": 1}


def _log(path: Path) -> list[dict]:
    table = read_small_table(path, "调研记录表", dtype=str)
    unknown = [c for c in table.columns if str(c).strip() not in KEYS]
    if unknown:
        raise SurveyError(f"调研记录表有不认识的列：{'、'.join(map(str, unknown))}"
                          f"（可用：单位、社区、日期、形式、人数、户数、标签、内容）", file=str(path), row=1)
    out = []
    for i, row in enumerate(table.itertuples(index=False), start=2):
        header = {str(k).strip(): v for k, v in zip(table.columns, row, strict=True) if isinstance(v, str)}
        note = _keys(header, path, i)
        text = note.pop("text", "") or ""
        note["paragraphs"] = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]
        note["line"] = i
        out.append(note)
    return out


def _keys(header: dict, path: Path, line: int) -> dict:
    """The header with canonical keys; an unknown key is an error naming the known ones."""
    out = {}
    for key, value in header.items():
        name = KEYS.get(str(key).strip())
        if name is None:
            near = nearest(str(key), list(KEYS))
            hint = f"（{near}）" if near else ""
            raise SurveyError(f"调研记录的表头有不认识的项“{key}”{hint}", file=str(path), row=line)
        out[name] = value
    missing = [k for k in REQUIRED if out.get(k) in (None, "")]
    if missing:
        names = {"unit": "单位", "date": "日期", "kind": "形式"}
        raise SurveyError(f"调研记录的表头缺少{'、'.join(names[k] for k in missing)}", file=str(path),
                          row=line)
    tags = out.get("tags") or []
    out["tags"] = [t.strip() for t in (re.split(r"[,，、\s]+", tags) if isinstance(tags, str) else tags)
                   if str(t).strip()]
    return out


def _checked(raw: dict, path: Path, units: Names, q: Questionnaire) -> dict:
    """One note's header checked: a known unit, a date, a known kind, whole numbers of people."""
    file, line = str(path), raw["line"]
    found = units.match(str(raw["unit"]))
    if found is None:
        hint = nearest(str(raw["unit"]), units.names, "问卷中的单位有")
        raise SurveyError(f"调研记录的单位“{raw['unit']}”不是问卷中的单位；{hint}", file=file, row=line,
                          column="单位")
    date = pd.to_datetime(str(raw["date"]), errors="coerce")
    if pd.isna(date):
        raise SurveyError(f"调研记录的日期“{raw['date']}”无法识别（应如 2026-10-12）", file=file, row=line,
                          column="日期")
    kind = str(raw["kind"]).strip()
    if kind not in KINDS:
        raise SurveyError(f"调研记录的形式“{kind}”不在{'、'.join(KINDS)}之中", file=file, row=line,
                          column="形式")
    counts = {}
    for key, label in (("participants", "人数"), ("households", "户数")):
        value = raw.get(key)
        number = pd.to_numeric(str(value).strip(), errors="coerce") if value not in (None, "") else None
        if number is not None and (pd.isna(number) or number < 0 or number % 1):
            raise SurveyError(f"调研记录的{label}应为非负整数，而不是“{value}”", file=file, row=line,
                              column=label)
        counts[key] = None if number is None else int(number)
    community = raw.get("community")
    community = mask_names(str(community).strip()) if community not in (None, "") else None
    return {"file": path.name, "line": line, "unit": units.names[found], "community": community,
            "date": date.date().isoformat(), "kind": kind, **counts}


class _Coder:
    """Paragraphs to dimensions: explicit ``#标签`` (a dimension's name or id, or a theme's name), else the
    note's tags, else the themes' keywords and the dimensions' names found in the text."""

    def __init__(self, q: Questionnaire) -> None:
        names = q.dimension_names()
        self.tags: dict[str, list[str]] = {**{d: [d] for d in names}, **{n: [d] for d, n in names.items()}}
        for theme, t in q.themes.items():
            self.tags.setdefault(theme, list(t.dimensions))
        self.keywords = {d: [n] for d, n in names.items()}
        for t in q.themes.values():
            for d in t.dimensions:
                self.keywords.setdefault(d, []).extend(t.keywords)

    def resolve(self, tags: list[str], path: Path, line: int) -> list[str]:
        out = []
        for tag in tags:
            if tag in PRACTICE:
                continue
            if tag not in self.tags:
                hint = nearest(tag, list(self.tags), "可用")
                raise SurveyError(f"调研记录的标签“{tag}”不是问卷中的方面或主题（{hint}）", file=str(path),
                                  row=line)
            out += [d for d in self.tags[tag] if d not in out]
        return out

    def code(self, note: int, paragraphs: list[str], note_tags: list[str], path: Path,
             line: int) -> list[dict]:
        general = self.resolve(note_tags, path, line)
        out = []
        for k, text in enumerate(paragraphs, start=1):
            own = self.resolve(_TAG.findall(text), path, line)
            body = _TAG.sub("", text).strip()
            if own or general:
                dims, tagged = own or general, True
            else:
                dims = [d for d, words in self.keywords.items() if any(w and w in body for w in words)]
                tagged = False
            practice = any(t in PRACTICE for t in [*_TAG.findall(text), *note_tags])
            out.append({"note": note, "paragraph": k, "text": mask_names(body), "dimensions": dims,
                        "tagged": tagged, "practice": practice})
        return out


FIELDWORK_COLUMNS = ["note", "paragraph", "file", "unit", "community", "date", "kind", "participants",
                     "households", "text", "dimensions", "tagged", "practice"]


def fieldwork_folder(root: Path, survey: str) -> Path:
    """Where a survey's notes are kept: ``data/raw/<survey>/fieldwork/``."""
    return root / "data" / "raw" / survey / "fieldwork"


def fieldwork_table(notes: Notes | None) -> pd.DataFrame:
    """The notes as the analysis stores them (the ``fieldwork`` table): one row per paragraph with its
    note's header, a paragraph's dimensions comma-separated."""
    if notes is None or notes.notes.empty:
        return pd.DataFrame(columns=FIELDWORK_COLUMNS)
    paragraphs = notes.paragraphs.assign(dimensions=notes.paragraphs["dimensions"].map(",".join))
    table = paragraphs.merge(notes.notes, on="note", how="left")
    return table[FIELDWORK_COLUMNS]
