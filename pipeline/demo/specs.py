"""The demo surveys' specifications: which units, how many respondents, what is planted (a unit low on a
dimension, a weakness shared by the area, a problem concentrated in one group, changes since an earlier
wave), and the realism of the shipped questionnaires' answers (who answers, what drives satisfaction, what
people choose and write)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from pipeline.questionnaire import Questionnaire

DEFAULT_UNITS: dict[str, list[str]] = {
    "东湖街道": ["东湖社区", "湖滨社区", "桂园社区", "翠湖社区"],
    "西城街道": ["西门社区", "城西社区", "文昌社区", "锦绣社区"],
    "南苑街道": ["南苑社区", "花园社区", "康乐社区", "阳光社区"],
    "北关街道": ["北关社区", "朝阳社区", "长安社区", "和平社区"],
    "新华街道": ["新华社区", "幸福社区", "光明社区", "建设社区"],
    "滨江街道": ["滨江社区", "江景社区", "望江社区", "白鹭社区"],
    "青山镇": ["青山社区", "青松村", "竹林村", "茶园村"],
    "柳河镇": ["柳河社区", "杨柳村", "河湾村", "新桥村"],
    "石桥乡": ["石桥村", "上石村", "下石村", "石岭村"],
    "白马乡": ["白马村", "马鞍村", "清泉村", "枫树村"],
}
DEFAULT_SIZES: dict[str, int] = {
    "东湖街道": 380, "西城街道": 360, "南苑街道": 330, "北关街道": 300, "新华街道": 350,
    "滨江街道": 320, "青山镇": 300, "柳河镇": 280, "石桥乡": 260, "白马乡": 240,
}
DEFAULT_PLANTED: dict[str, dict[str, float]] = {
    "石桥乡": {"digital": -1.0}, "新华街道": {"burden": -0.8},
    "北关街道": {"service": 0.6},  # a strong unit: its 成效与亮点
}
DEFAULT_NULL_UNIT = "西城街道"
DEFAULT_AREA_SHIFTS: dict[str, float] = {"burden": -0.5}  # 基层减负 is low everywhere
# problems concentrated in one group of a unit: unit → (question, its answer, dimension, extra shift)
DEFAULT_CONCENTRATED: dict[str, tuple[str, str, str, float]] = {
    "石桥乡": ("age", "60岁以上", "digital", -1.2),
    "新华街道": ("community", "幸福社区", "burden", -1.4),
}

# the 示范区 demo's realism: who answers (by unit kind), what drives satisfaction, what people choose
# and write
JICENG_PROFILE = {
    "identity": {"": [0.45, 0.35, 0.1, 0.1]},
    "age": {"街道": [0.3, 0.5, 0.2], "乡镇": [0.2, 0.45, 0.35]},
    "education": {"街道": [0.15, 0.25, 0.3, 0.3], "乡镇": [0.35, 0.3, 0.2, 0.15]},
}
JICENG_DRIVERS = {"service": 1.0, "burden": 1.0, "org_life": 1.0}
JICENG_MULTI = {
    "problems": [
        "responsibility",
        "org_life",
        "education_mgmt",
        "service",
        "cadres",
        "burden",
        "regional",
        "digital",
    ]
}
JICENG_OTHER = {"problems": "其他〖社区办公用房紧张〗"}
JICENG_NUMBERS = {"meetings": (10.0, "org_life", 3.0)}
JICENG_SUGGESTIONS: dict[str, list[str]] = {  # "{community}": one of the respondent's unit's communities
    "burden": [
        "建议进一步精简填表报数，减少重复统计，让社区干部有更多时间服务居民。",
        "微信群打卡截图太多了，希望真正为基层减负，不要过度留痕。",
        "会议和文件还是偏多，台账检查太频繁，希望减少。",
        "{community}几个干部天天忙着填各种表，入户走访的时间都挤没了。",
        "{community}一个月要迎接好几次检查，每次都要补台账，希望检查合并。",
        "上面要的数据{community}已经报过好几遍了，部门之间能不能共享。",
    ],
    "digital": [
        "各类App重复登录、重复填报，希望整合成一个平台。",
        "村里老党员不会用手机学习，线上平台要简化操作，多教一教。",
        "{community}网络信号不好，线上学习经常打不开，希望改善。",
        "{community}老党员多，智能手机用不来，建议保留线下学习。",
        "党员信息系统和其他系统数据不通，{community}要录好几遍。",
    ],
    "service": [
        "希望社区办事更方便一些，多听听居民的意见。",
        "为辖区老人提供更多上门服务，解决养老的实际困难。",
        "{community}的独居老人多，希望党员干部常上门看看。",
        "{community}反映的停车难问题拖了很久，希望有个答复。",
    ],
    "org_life": [
        "三会一课要有实际内容，不要走过场。",
        "主题党日活动形式可以更丰富一些，吸引年轻党员参加。",
        "{community}的主题党日总是读文件，建议结合小区的实事来办。",
        "{community}组织生活会批评不到点子上，希望上级来指导。",
    ],
    "cadres": [
        "多培养年轻干部，后备力量明显不足。",
        "社区工作者待遇偏低，人员流动大，建议提高报酬。",
        "{community}的干部年纪偏大，年轻人留不住，建议想办法引进。",
        "{community}今年走了两个社工，新来的不熟悉情况，希望多培训。",
    ],
    "education_mgmt": [
        "加强对流动党员的联系和管理。",
        "党员培训可以更贴近实际，多组织讲座和现场教学。",
        "{community}外出务工党员多，希望建个线上的联系渠道。",
        "{community}的党员培训希望多讲政策怎么落地。",
        "流动党员回来一次不容易，希望组织关系转接简化手续。",
        "{community}年轻党员多在外地，建议线上线下结合开展学习。",
    ],
    "regional": [
        "驻区单位参与共建积极性不高，建议建立资源清单和项目清单。",
        "加强与辖区企业和两新组织的共建共享。",
        "{community}周边的企业多，希望把他们的场地和资源用起来。",
        "{community}和驻区单位签了协议，但活动很少，希望真正落实。",
    ],
    "leadership": [
        "网格党支部作用发挥还不够，建议配强网格长和网格员。",
        "{community}的网格党小组很少活动，希望发挥作用。",
        "{community}遇到大事时党组织要站出来牵头协调，不能只靠居委会。",
        "小区物业矛盾多，希望党组织把业委会和物业召集起来议一议。",
    ],
    "responsibility": [
        "书记要把党建放在心上，不能重业务轻党建。",
        "{community}的书记事务太多，抓党建的精力不够。",
        "党建责任清单定了，希望年底考核真正对照清单来。",
        "{community}支部书记兼职太多，建议明确党建工作的时间保障。",
    ],
    "general": [
        "党群服务中心场地太小，希望改善活动场所。",
        "活动经费每年都不够用，希望增加经费保障。",
        "总体感觉不错，希望继续保持。",
        "{community}的党群服务中心场地太小，希望改善活动场所。",
    ],
}


@dataclass
class DemoSpec:
    """What to generate; the defaults are the README's 示范区 demo."""

    units: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_UNITS))
    sizes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    planted: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_PLANTED))
    null_unit: str | None = DEFAULT_NULL_UNIT
    # weaknesses of the whole area: every unit shifted alike on these dimensions (not centred)
    area_shifts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_AREA_SHIFTS))
    concentrated: dict[str, tuple[str, str, str, float]] = field(
        default_factory=lambda: dict(DEFAULT_CONCENTRATED)
    )
    seed: int = 20261122
    speeder_rate: float = 0.03
    straightliner_rate: float = 0.02
    duplicate_rate: float = 0.02
    pii_rate: float = 0.01
    start: datetime = datetime(2026, 9, 1, 8, 0, 0)
    # realism of a particular survey (empty: plain random answers)
    profile_weights: dict[str, dict[str, list[float]]] = field(default_factory=lambda: dict(JICENG_PROFILE))
    drivers: dict[str, float] = field(default_factory=lambda: dict(JICENG_DRIVERS))
    multi_links: dict[str, list[str]] = field(
        default_factory=lambda: dict(JICENG_MULTI)
    )  # question → dimension per option
    multi_other: dict[str, str] = field(
        default_factory=lambda: dict(JICENG_OTHER)
    )  # question → "其他〖…〗" now and then
    numbers: dict[str, tuple[float, str, float]] = field(
        default_factory=lambda: dict(JICENG_NUMBERS)
    )  # base, dim, slope
    suggestions: dict[str, list[str]] = field(default_factory=lambda: dict(JICENG_SUGGESTIONS))
    times: bool = True  # submit times and durations (paper entry has none)
    # an earlier wave of the same survey: item levels drawn as the wave with this seed draws them
    intercept_seed: int | None = None
    # an earlier wave's differences from this spec's units, added after centring (so that no other unit moves)
    changes: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def small(cls, units: dict[str, list[str]], n: int, planted: dict[str, dict[str, float]],
              null_unit: str | None, seed: int = 7) -> DemoSpec:
        return cls(units=units, sizes={u: n for u in units}, planted=planted, null_unit=null_unit, seed=seed,
                   concentrated={}, area_shifts={})


def plain_spec(questionnaire: Questionnaire, **changes) -> DemoSpec:
    """A spec for any questionnaire: its units with four communities each, 120 respondents a unit, no
    planted effects, plain random profiles and answers."""
    units = {u: [f"{u}第{i}社区" for i in "一二三四"] for u in questionnaire.unit_question.options}
    spec = DemoSpec(
        units=units,
        sizes={u: 120 for u in units},
        planted={},
        null_unit=None,
        area_shifts={},
        concentrated={},
        profile_weights={},
        drivers={},
        multi_links={},
        multi_other={},
        numbers={},
        suggestions={},
    )
    return replace(spec, **changes)




JIANFU_UNITS: dict[str, list[str]] = {
    "城关镇": ["城北社区", "城南社区", "梨园村"], "河口镇": ["河口社区", "渡口村", "沙洲村"],
    "桃源镇": ["桃源社区", "桃花村", "杏林村"], "松林镇": ["松林社区", "青松村", "林场村"],
    "龙泉乡": ["龙泉村", "龙井村", "泉水村"], "三溪乡": ["三溪村", "上溪村", "下溪村"],
    "东风街道": ["东风社区", "红星社区", "前进社区"], "新城街道": ["新城社区", "锦园社区", "滨河社区"],
}
JIANFU_SUGGESTIONS: dict[str, list[str]] = {
    "apps": [
        "政务App太多了，建议合并成一个入口，数据一次录入多处共用。",
        "工作群里打卡截图的要求还是不少，希望真正取消。",
        "{community}干部手机上装了十几个App，每天登录打卡就要半小时。",
        "{community}所在的工作群晚上还在布置任务，希望非工作时间别发。",
    ],
    "forms": [
        "各部门要的报表内容差不多，建议统一表格、数据共享，不要重复报。",
        "填表报数占了大量时间，希望继续精简报表。",
        "{community}一个人口数据要报给四五个部门，希望一次报送。",
        "{community}月底集中填报表，正常工作都顾不上。",
    ],
    "papers": [
        "会议还是偏多，能合并的会议建议合并召开。",
        "文件转发层层加码，希望精简文件。",
        "{community}书记一周有三天在开会，希望多开视频会。",
        "{community}收到的文件很多只是转发，建议上级把要求说具体。",
    ],
    "inspections": [
        "检查前要补很多台账材料，希望考核多看实际效果。",
        "督查考核次数多，能不能再少一些。",
        "{community}上个月迎接了五次检查，每次都要准备材料。",
        "{community}的台账比干的活还多，希望检查看实效。",
    ],
    "access": [
        "部门把工作下沉到村里却不给经费，建议严格执行准入清单。",
        "属地责任压得太多，希望权责对等。",
        "{community}承担的事项越来越多，人员和经费却没跟上。",
        "清单之外的事还是层层派下来，希望有个说理的地方。",
    ],
    "time_use": [
        "村干部人手少、加班多，建议提高待遇补贴。",
        "{community}干部周末经常加班，希望落实调休。",
        "一个人顶几个岗位，建议按服务人口配齐人员。",
        "{community}干部晚上还要入户核数据，家里顾不上。",
    ],
    "general": [
        "减负工作有进步，希望坚持下去。",
        "上级来调研时，希望多听听一线干部的意见。",
        "总的感觉负担轻了一些，但还要防止反弹。",
        "{community}的减负工作有进步，希望坚持下去。",
    ],
}


def jianfu_spec(questionnaire: Questionnaire) -> DemoSpec:
    """The 示范县 基层减负 demo: eight townships and streets; 桃源镇 clearly low on 政务App和工作群,
    东风街道 low on 报表填报, 新城街道 with no real differences, 督查检查考核 low across the county;
    community and village cadres answer."""
    return DemoSpec(
        units=dict(JIANFU_UNITS),
        sizes={
            "城关镇": 110,
            "河口镇": 95,
            "桃源镇": 90,
            "松林镇": 85,
            "龙泉乡": 70,
            "三溪乡": 26,  # a small unit: its 满意率 ranked by a small-area estimate
            "东风街道": 100,
            "新城街道": 105,
        },
        planted={"桃源镇": {"apps": -1.1}, "东风街道": {"forms": -0.9}, "城关镇": {"inspections": 0.6}},
        null_unit="新城街道",
        area_shifts={"inspections": -0.6},  # 督查检查考核 weighs on the whole county
        concentrated={"桃源镇": ("post", "两委委员", "apps", -1.2)},
        seed=20261123,
        profile_weights={
            "post": {"": [0.2, 0.45, 0.2, 0.15]},
            "tenure": {"": [0.35, 0.45, 0.2]},
            "area_type": {"街道": [0.9, 0.1], "镇": [0.35, 0.65], "乡": [0.1, 0.9]},
        },
        drivers={"forms": 1.0, "apps": 1.0, "time_use": 1.0},
        multi_links={"heaviest": ["papers", "forms", "inspections", "apps", "access"]},
        multi_other={"heaviest": "其他〖人手不够〗"},
        numbers={"overtime": (8.0, "time_use", -2.0)},
        suggestions=dict(JIANFU_SUGGESTIONS),
        start=datetime(2026, 10, 8, 8, 0, 0),
    )


DEMO_SPECS: dict[str, Callable[[Questionnaire], DemoSpec]] = {"jiceng_dangjian": lambda q: DemoSpec(),
                                                              "jiceng_jianfu": jianfu_spec}


PREVIOUS_WAVE = "2025年度"  # the earlier wave the 示范区 demo is compared with
# how the earlier wave differed from now: 东湖街道 and 白马乡 were low then (they improved), 北关街道
# was average (it is strong now), 新华街道's 基层减负 was fine (it declined); 石桥乡 was low on 信息化建设
# then as now, and 西城街道 stays as it was
PREVIOUS_CHANGES = {"东湖街道": {"service": -0.8}, "白马乡": {"org_life": -0.8},
                    "北关街道": {"service": -0.6}, "新华街道": {"burden": 0.8}}
# a wave before that: the same, and 新华街道's 基层减负 better still (a decline two years running)
OLDEST_WAVE = "2024年度"
OLDEST_CHANGES = {**PREVIOUS_CHANGES, "新华街道": {"burden": 1.2}}


def previous_wave_spec(questionnaire: Questionnaire) -> DemoSpec | None:
    """The earlier wave of a shipped demo (same item levels, its own respondents), or None."""
    return earlier_wave_specs(questionnaire).get(PREVIOUS_WAVE)


def earlier_wave_specs(questionnaire: Questionnaire) -> dict[str, DemoSpec]:
    """The earlier waves of a shipped demo, oldest first, by name: this wave's units and effects with the
    wave's differences (``DemoSpec.changes``), their own respondents, the same item levels, a year apart;
    none for a demo without them."""
    if questionnaire.id != "jiceng_dangjian":
        return {}
    spec = demo_spec(questionnaire)
    out = {}
    for years_ago, name, changes, seed in ((2, OLDEST_WAVE, OLDEST_CHANGES, 20241121),
                                           (1, PREVIOUS_WAVE, PREVIOUS_CHANGES, 20251122)):
        out[name] = replace(spec, changes=changes, concentrated={}, seed=seed, intercept_seed=spec.seed,
                            start=spec.start.replace(year=spec.start.year - years_ago))
    return out


def demo_spec(questionnaire: Questionnaire) -> DemoSpec:
    """The demo spec registered for a shipped questionnaire, or a plain one for any other."""
    make = DEMO_SPECS.get(questionnaire.id)
    return make(questionnaire) if make is not None else plain_spec(questionnaire)


