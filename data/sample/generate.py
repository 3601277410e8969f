"""Generate the inspection service's sample data (Shenyang) deterministically.

    .venv/bin/python data/sample/generate.py            # writes the five JSON files next to this script
    .venv/bin/python data/sample/generate.py --check    # fails if the files on disk differ from a fresh run

Every "random" choice is ``SHA-256(label)`` modulo the number of options, so the output depends only on this
file (never on Python's ``random`` module, its version, or hash seeds). People, enterprises, addresses and
identity numbers are fictional; USCCs and 居民身份证号 carry valid check digits (GB 32100, GB 11643) so the
validators accept them. Legal bases cite the texts in /work/shared/legal (file versions in ``legal_sources``);
the two texts that are not there are cited with the public source they were checked against.

Files: districts.json, departments.json, inspection_items.json, officers.json, enterprises.json. Each is an
object with ``format``, ``sample: true``, a ``note`` and an ``items`` array.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import ric, uscc

HERE = Path(__file__).resolve().parent
NAMESPACE = uuid.UUID("7d1e4b7e-2f61-5a39-9c55-6f1a3c0e9b21")  # uuid5 namespace of zhifa sample officers
AS_OF = date(2026, 5, 1)  # 扫码入企 rollout in Shenyang ("5月起，我市将全面推行"), seed 000 §一(二)1


def h(label: str) -> int:
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


def pick(label: str, options: Sequence[Any]) -> Any:
    return options[h(label) % len(options)]


# ---------------------------------------------------------------------------------------------------------
# Districts — codes checked against GB/T 2260 as packaged in python-stdnum (stdnum/cn/loc.dat):
# 210102 和平区 … 210115 辽中区 (since 2016, formerly 辽中县 210122), 210123 康平县, 210124 法库县, 210181 新民市.

DISTRICTS: list[tuple[str, str, str]] = [
    ("210102", "和平区", "区"),
    ("210103", "沈河区", "区"),
    ("210104", "大东区", "区"),
    ("210105", "皇姑区", "区"),
    ("210106", "铁西区", "区"),
    ("210111", "苏家屯区", "区"),
    ("210112", "浑南区", "区"),
    ("210113", "沈北新区", "区"),
    ("210114", "于洪区", "区"),
    ("210115", "辽中区", "区"),
    ("210123", "康平县", "县"),
    ("210124", "法库县", "县"),
    ("210181", "新民市", "县级市"),
]
DISTRICT_NAME = {code: name for code, name, _ in DISTRICTS}

STREETS: dict[str, list[str]] = {
    "210102": ["南京北街", "中华路", "太原北街", "三好街", "南五马路", "和平北大街"],
    "210103": ["青年大街", "北站路", "中街路", "大西路", "文艺路", "市府大路"],
    "210104": ["东北大马路", "小河沿路", "龙之梦街", "北海街", "东陵西路"],
    "210105": ["黄河北大街", "崇山中路", "昆山西路", "长江街", "华山路"],
    "210106": ["北二中路", "兴华北街", "建设中路", "沈辽路", "开发大路", "卫工北街"],
    "210111": ["枫杨路", "雪松路", "迎春街", "海棠街"],
    "210112": ["浑南中路", "创新路", "世纪路", "全运路", "智慧三街"],
    "210113": ["道义南大街", "蒲河路", "沈北路", "正良二路"],
    "210114": ["黄海路", "洪湖北街", "沈新路", "文大路"],
    "210115": ["蒲东街", "茨榆坨路", "辽中大街"],
    "210123": ["康平大街", "胜利街", "顺山路"],
    "210124": ["法库大街", "辽河街", "学府路"],
    "210181": ["新民大街", "东城路", "胡台路", "兴隆街"],
}

# ---------------------------------------------------------------------------------------------------------
# Departments and enforcement bodies (执法主体)

DEPARTMENTS: list[dict[str, Any]] = [
    {
        "code": "SJ",
        "name": "市场监管",
        "authority": "沈阳市市场监督管理局",
        "district_bodies": "{d}市场监督管理局",
    },
    {
        "code": "ST",
        "name": "生态环境",
        "authority": "沈阳市生态环境局",
        "district_bodies": "沈阳市生态环境局{d}分局",
    },
    {
        "code": "CG",
        "name": "城市管理综合执法",
        "authority": "沈阳市城市管理综合行政执法局",
        "district_bodies": "{d}城市管理综合行政执法局",
    },
    {"code": "JT", "name": "交通运输", "authority": "沈阳市交通运输局", "district_bodies": None},
    {"code": "YJ", "name": "应急管理", "authority": "沈阳市应急管理局", "district_bodies": "{d}应急管理局"},
    {"code": "WJ", "name": "卫生健康", "authority": "沈阳市卫生健康委员会", "district_bodies": None},
    {"code": "XF", "name": "消防救援", "authority": "沈阳市消防救援支队", "district_bodies": None},
]


def departments() -> list[dict[str, Any]]:
    out = []
    for dept in DEPARTMENTS:
        bodies = [
            {
                "code": f"{dept['code']}-210100",
                "name": dept["authority"],
                "level": "city",
                "district_code": "210100",
            }
        ]
        if dept["district_bodies"]:
            for code, name, kind in DISTRICTS:
                place = name if dept["code"] == "ST" or kind != "区" else "沈阳市" + name
                bodies.append(
                    {
                        "code": f"{dept['code']}-{code}",
                        "name": dept["district_bodies"].format(d=place),
                        "level": "district",
                        "district_code": code,
                    }
                )
        out.append(
            {
                "code": dept["code"],
                "name": dept["name"],
                "authority": dept["authority"],
                "enforcement_bodies": bodies,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# Inspection items (行政检查事项清单): code, name, department, level, key area, on site, legal basis

LEGAL_SOURCES: dict[str, dict[str, str]] = {
    "食品安全法": {
        "title": "中华人民共和国食品安全法",
        "version": "2021-04-29",
        "caveat": "2025年9月12日修正未在本地法规库中核对，所引条款请以现行正式文本为准",
    },
    "药品管理法": {"title": "中华人民共和国药品管理法", "version": "2019-08-26"},
    "化妆品监督管理条例": {"title": "化妆品监督管理条例", "version": "2020-06-16"},
    "特种设备安全法": {"title": "中华人民共和国特种设备安全法", "version": "2013-06-29"},
    "产品质量法": {"title": "中华人民共和国产品质量法", "version": "2018-12-29"},
    "价格法": {"title": "中华人民共和国价格法", "version": "1997-12-29"},
    "广告法": {"title": "中华人民共和国广告法", "version": "2021-04-29"},
    "企业信息公示暂行条例": {"title": "企业信息公示暂行条例", "version": "2014-08-07"},
    "市场主体登记管理条例": {"title": "中华人民共和国市场主体登记管理条例", "version": "2021-07-27"},
    "无证无照经营查处办法": {"title": "无证无照经营查处办法", "version": "2017-08-06"},
    "环境保护法": {"title": "中华人民共和国环境保护法", "version": "2014-04-24"},
    "大气污染防治法": {"title": "中华人民共和国大气污染防治法", "version": "2018-10-26"},
    "水污染防治法": {"title": "中华人民共和国水污染防治法", "version": "2017-06-27"},
    "固体废物污染环境防治法": {"title": "中华人民共和国固体废物污染环境防治法", "version": "2020-04-29"},
    "城市市容和环境卫生管理条例": {"title": "城市市容和环境卫生管理条例", "version": "2017-03-01"},
    "道路运输条例": {"title": "中华人民共和国道路运输条例", "version": "2023-07-20"},
    "安全生产法": {"title": "中华人民共和国安全生产法", "version": "2021-06-10"},
    "消防法": {"title": "中华人民共和国消防法", "version": "2021-04-29"},
    # Not in /work/shared/legal; checked against public copies of the current texts:
    "公共场所卫生管理条例": {
        "title": "公共场所卫生管理条例",
        "version": "2019-04-23",
        "source": "https://flk.npc.gov.cn/ (国务院令第714号修订文本；第三、四、六、七条)",
    },
    "职业病防治法": {
        "title": "中华人民共和国职业病防治法",
        "version": "2018-12-29",
        "source": "https://flk.npc.gov.cn/ (2018年12月29日第四次修正；第六十二条 监督检查)",
    },
}

# (code, name, level, key_area, on_site, [(law, article), ...])
# fmt: off
ITEMS: list[tuple[str, str, str, bool, bool, list[tuple[str, str]]]] = [
    # 市场监管 — food (食品安全法 第一百一十条 is the inspection power for every food item)
    ("SJ-SP-001", "对食品生产经营许可及许可证公示情况的检查", "district", True, True, [("食品安全法", "第三十五条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-002", "对食品经营者进货查验记录制度落实情况的检查", "district", True, True, [("食品安全法", "第五十三条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-003", "对食品贮存及库存食品定期检查情况的检查", "district", True, True, [("食品安全法", "第五十四条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-004", "对食品从业人员健康管理制度落实情况的检查", "district", True, True, [("食品安全法", "第四十五条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-005", "对餐饮服务提供者原料控制及设施设备维护情况的检查", "district", True, True, [("食品安全法", "第五十五条"), ("食品安全法", "第五十六条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-006", "对学校、托幼机构、养老机构、建筑工地等集中用餐单位食堂的检查", "district", True, True, [("食品安全法", "第五十七条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-007", "对食品生产企业出厂检验记录制度落实情况的检查", "city", True, True, [("食品安全法", "第五十一条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-008", "对食用农产品销售者进货查验记录制度落实情况的检查", "district", True, True, [("食品安全法", "第六十五条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-009", "对集中交易市场开办者食品安全管理责任落实情况的检查", "district", True, True, [("食品安全法", "第六十一条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-010", "对预包装食品标签及散装食品标示情况的检查", "district", True, True, [("食品安全法", "第六十七条"), ("食品安全法", "第六十八条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-011", "对食品生产经营者食品安全自查制度落实情况的检查", "district", True, True, [("食品安全法", "第四十七条"), ("食品安全法", "第一百一十条")]),
    ("SJ-SP-012", "对食品生产经营者食品安全管理制度及职工培训情况的检查", "district", True, True, [("食品安全法", "第四十四条"), ("食品安全法", "第一百一十条")]),
    # 市场监管 — drugs and cosmetics
    ("SJ-YP-001", "对药品零售企业执行药品经营质量管理规范情况的检查", "district", True, True, [("药品管理法", "第五十三条"), ("药品管理法", "第九十九条")]),
    ("SJ-YP-002", "对药品经营企业购进验收及购销记录情况的检查", "district", True, True, [("药品管理法", "第五十六条"), ("药品管理法", "第五十七条"), ("药品管理法", "第九十九条")]),
    ("SJ-YP-003", "对药品零售调配处方及药品保管情况的检查", "district", True, True, [("药品管理法", "第五十八条"), ("药品管理法", "第五十九条"), ("药品管理法", "第九十九条")]),
    ("SJ-HZ-001", "对化妆品经营者进货查验记录制度落实情况的检查", "district", False, True, [("化妆品监督管理条例", "第三十八条"), ("化妆品监督管理条例", "第四十六条")]),
    ("SJ-HZ-002", "对化妆品贮存及标签标注情况的检查", "district", False, True, [("化妆品监督管理条例", "第三十五条"), ("化妆品监督管理条例", "第三十九条"), ("化妆品监督管理条例", "第四十六条")]),
    ("SJ-HZ-003", "对美容美发机构、宾馆使用化妆品情况的检查", "district", False, True, [("化妆品监督管理条例", "第四十二条"), ("化妆品监督管理条例", "第四十六条")]),
    # 市场监管 — special equipment, products, prices, advertising, registration
    ("SJ-TZ-001", "对特种设备使用登记及定期检验情况的检查", "city", True, True, [("特种设备安全法", "第三十三条"), ("特种设备安全法", "第四十条"), ("特种设备安全法", "第五十七条")]),
    ("SJ-TZ-002", "对特种设备使用单位安全管理制度及维护保养情况的检查", "city", True, True, [("特种设备安全法", "第三十四条"), ("特种设备安全法", "第三十九条"), ("特种设备安全法", "第五十七条")]),
    ("SJ-TZ-003", "对电梯维护保养单位维护保养情况的检查", "city", True, True, [("特种设备安全法", "第四十五条"), ("特种设备安全法", "第五十七条")]),
    ("SJ-CP-001", "产品质量监督抽查", "city", False, True, [("产品质量法", "第十五条")]),
    ("SJ-CP-002", "对销售者进货检查验收制度落实情况的检查", "district", False, True, [("产品质量法", "第三十三条"), ("产品质量法", "第十五条")]),
    ("SJ-JG-001", "对经营者明码标价情况的检查", "district", False, True, [("价格法", "第十三条"), ("价格法", "第三十四条")]),
    ("SJ-JG-002", "对经营者不正当价格行为的监督检查", "city", False, True, [("价格法", "第十四条"), ("价格法", "第三十四条")]),
    ("SJ-GG-001", "对广告经营者、广告发布者广告业务管理制度的检查", "city", False, True, [("广告法", "第三十四条"), ("广告法", "第四十九条")]),
    ("SJ-DJ-001", "对营业执照置放及登记事项的检查", "district", False, True, [("市场主体登记管理条例", "第三十六条"), ("市场主体登记管理条例", "第三十八条")]),
    ("SJ-GS-001", "企业公示信息抽查", "district", False, False, [("企业信息公示暂行条例", "第十四条"), ("企业信息公示暂行条例", "第十五条")]),
    ("SJ-WZ-001", "对涉嫌无照经营的检查", "district", False, True, [("无证无照经营查处办法", "第六条"), ("无证无照经营查处办法", "第十一条")]),
    # 生态环境
    ("ST-PW-001", "对排污单位执行排污许可管理制度情况的检查", "city", True, True, [("环境保护法", "第四十五条"), ("环境保护法", "第二十四条")]),
    ("ST-HP-001", "对建设项目环境影响评价及防治污染设施“三同时”执行情况的检查", "city", False, True, [("环境保护法", "第十九条"), ("环境保护法", "第四十一条"), ("环境保护法", "第二十四条")]),
    ("ST-DQ-001", "对大气污染物排放自行监测情况的检查", "city", True, True, [("大气污染防治法", "第二十四条"), ("大气污染防治法", "第二十九条")]),
    ("ST-DQ-002", "对含挥发性有机物废气收集处理设施运行情况的检查", "city", True, True, [("大气污染防治法", "第四十五条"), ("大气污染防治法", "第二十九条")]),
    ("ST-DQ-003", "对工业涂装企业使用低挥发性有机物含量涂料及台账的检查", "city", False, True, [("大气污染防治法", "第四十六条"), ("大气污染防治法", "第二十九条")]),
    ("ST-DQ-004", "对易产生扬尘物料堆存防尘措施的检查", "district", False, True, [("大气污染防治法", "第七十二条"), ("大气污染防治法", "第二十九条")]),
    ("ST-DQ-005", "对服装干洗和机动车维修异味废气处理设施的检查", "district", False, True, [("大气污染防治法", "第八十四条"), ("大气污染防治法", "第二十九条")]),
    ("ST-SW-001", "对排污单位水污染物排放及排污口设置的检查", "city", True, True, [("水污染防治法", "第二十二条"), ("水污染防治法", "第三十条")]),
    ("ST-SW-002", "对水污染防治设施正常运行及监测数据真实性的检查", "city", True, True, [("水污染防治法", "第三十九条"), ("水污染防治法", "第三十条")]),
    ("ST-SW-003", "对可能发生水污染事故单位应急方案的检查", "city", False, True, [("水污染防治法", "第七十七条"), ("水污染防治法", "第三十条")]),
    ("ST-GF-001", "对工业固体废物全过程污染环境防治责任制度的检查", "city", False, True, [("固体废物污染环境防治法", "第三十六条"), ("固体废物污染环境防治法", "第二十六条")]),
    ("ST-GF-002", "对危险废物管理计划、管理台账及贮存情况的检查", "city", True, True, [("固体废物污染环境防治法", "第七十七条"), ("固体废物污染环境防治法", "第七十八条"), ("固体废物污染环境防治法", "第七十九条"), ("固体废物污染环境防治法", "第二十六条")]),
    ("ST-GF-003", "对危险废物转移联单执行情况的检查", "city", True, True, [("固体废物污染环境防治法", "第八十二条"), ("固体废物污染环境防治法", "第二十六条")]),
    # 城市管理综合执法
    ("CG-SR-001", "对单位卫生责任区清扫保洁情况的检查", "district", False, True, [("城市市容和环境卫生管理条例", "第二十五条")]),
    ("CG-SR-002", "对户外广告、标语牌、橱窗设置维护情况的检查", "district", False, True, [("城市市容和环境卫生管理条例", "第十一条")]),
    ("CG-SR-003", "对街道两侧和公共场地堆放物料、搭建设施的检查", "district", False, True, [("城市市容和环境卫生管理条例", "第十四条")]),
    ("CG-SR-004", "对工程施工现场市容环境卫生的检查", "district", False, True, [("城市市容和环境卫生管理条例", "第十六条")]),
    ("CG-SR-005", "对临街建筑物整洁及阳台窗外堆放吊挂物品的检查", "district", False, True, [("城市市容和环境卫生管理条例", "第十条")]),
    ("CG-YY-001", "对餐饮服务业经营者油烟净化设施安装使用情况的检查", "district", False, True, [("大气污染防治法", "第八十一条")]),
    ("CG-ZT-001", "对渣土等散装物料运输车辆密闭措施的检查", "district", False, True, [("大气污染防治法", "第七十条"), ("城市市容和环境卫生管理条例", "第十五条")]),
    ("CG-LJ-001", "对单位生活垃圾分类投放情况的检查", "district", False, True, [("固体废物污染环境防治法", "第四十九条")]),
    ("CG-LJ-002", "对工程施工单位建筑垃圾处理方案及污染防治措施的检查", "district", False, True, [("固体废物污染环境防治法", "第六十三条")]),
    # 交通运输 (道路运输条例 第六十条 is the inspection power)
    ("JT-KY-001", "对客运经营者、货运经营者车辆维护和检测情况的检查", "city", True, True, [("道路运输条例", "第三十条"), ("道路运输条例", "第六十条")]),
    ("JT-KY-002", "对客运经营者安全教育及道路运输应急预案的检查", "city", True, True, [("道路运输条例", "第二十八条"), ("道路运输条例", "第三十一条"), ("道路运输条例", "第六十条")]),
    ("JT-HY-001", "对道路运输车辆营运证及核定载客载货情况的检查", "city", False, True, [("道路运输条例", "第三十三条"), ("道路运输条例", "第三十四条"), ("道路运输条例", "第六十条")]),
    ("JT-WH-001", "对危险货物运输押运及承运人责任险投保情况的检查", "city", True, True, [("道路运输条例", "第二十七条"), ("道路运输条例", "第三十五条"), ("道路运输条例", "第六十条")]),
    ("JT-WX-001", "对机动车维修经营者维修质量及质量检验情况的检查", "district", False, True, [("道路运输条例", "第四十三条"), ("道路运输条例", "第四十四条"), ("道路运输条例", "第六十条")]),
    ("JT-WX-002", "对机动车维修经营者承修报废车辆及擅自改装情况的检查", "district", False, True, [("道路运输条例", "第四十五条"), ("道路运输条例", "第六十条")]),
    ("JT-JP-001", "对机动车驾驶员培训机构教学质量的检查", "city", False, True, [("道路运输条例", "第四十六条"), ("道路运输条例", "第六十条")]),
    ("JT-ZC-001", "对道路运输站（场）出站车辆安全检查落实情况的检查", "city", True, True, [("道路运输条例", "第四十条"), ("道路运输条例", "第六十条")]),
    # 应急管理 (安全生产法 第六十五条 is the inspection power)
    ("YJ-AQ-001", "对全员安全生产责任制建立落实情况的检查", "district", True, True, [("安全生产法", "第二十二条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-002", "对从业人员安全生产教育和培训情况的检查", "district", True, True, [("安全生产法", "第二十八条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-003", "对特种作业人员持证上岗情况的检查", "district", True, True, [("安全生产法", "第三十条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-004", "对安全警示标志设置及安全设备维护检测情况的检查", "district", True, True, [("安全生产法", "第三十五条"), ("安全生产法", "第三十六条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-005", "对重大危险源登记建档、检测评估和监控情况的检查", "city", True, True, [("安全生产法", "第四十条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-006", "对安全风险分级管控和事故隐患排查治理情况的检查", "district", True, True, [("安全生产法", "第四十一条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-007", "对动火、吊装、临时用电等危险作业现场安全管理的检查", "district", True, True, [("安全生产法", "第四十三条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-008", "对劳动防护用品配备和使用情况的检查", "district", False, True, [("安全生产法", "第四十五条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-009", "对生产安全事故应急救援预案制定和演练情况的检查", "district", True, True, [("安全生产法", "第八十一条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-010", "对危险物品车间、仓库与员工宿舍安全距离的检查", "district", True, True, [("安全生产法", "第四十二条"), ("安全生产法", "第六十五条")]),
    ("YJ-AQ-011", "对生产经营项目、场所、设备发包出租安全管理的检查", "district", False, True, [("安全生产法", "第四十九条"), ("安全生产法", "第六十五条")]),
    # 卫生健康
    ("WJ-GG-001", "对公共场所卫生许可证取得情况的检查", "district", True, True, [("公共场所卫生管理条例", "第四条")]),
    ("WJ-GG-002", "对公共场所直接为顾客服务人员健康合格证的检查", "district", True, True, [("公共场所卫生管理条例", "第七条")]),
    ("WJ-GG-003", "对公共场所卫生管理制度及卫生标准执行情况的检查", "district", True, True, [("公共场所卫生管理条例", "第三条"), ("公共场所卫生管理条例", "第六条")]),
    ("WJ-ZY-001", "对用人单位职业病防治工作的检查", "city", True, True, [("职业病防治法", "第六十二条")]),
    # 消防救援 (消防法 第五十三条 is the inspection power)
    ("XF-JD-001", "对单位履行消防安全职责情况的检查", "city", True, True, [("消防法", "第十六条"), ("消防法", "第五十三条")]),
    ("XF-JD-002", "对消防设施、器材和疏散通道、安全出口的检查", "city", True, True, [("消防法", "第二十八条"), ("消防法", "第五十三条")]),
    ("XF-JD-003", "对易燃易爆危险品场所与居住场所设置情况的检查", "city", True, True, [("消防法", "第十九条"), ("消防法", "第五十三条")]),
    ("XF-JD-004", "对公众聚集场所投入使用、营业前消防安全检查告知承诺的核查", "city", True, True, [("消防法", "第十五条"), ("消防法", "第五十三条")]),
    ("XF-JD-005", "对火灾、爆炸危险场所明火作业管理的检查", "city", True, True, [("消防法", "第二十一条"), ("消防法", "第五十三条")]),
]
# fmt: on


def inspection_items() -> list[dict[str, Any]]:
    out = []
    for code, name, level, key_area, on_site, refs in ITEMS:
        out.append(
            {
                "code": code,
                "name": name,
                "dept_code": code[:2],
                "level": level,
                "enterprise_related": True,
                "key_area": key_area,
                "on_site": on_site,
                "version": 1,
                "effective_from": AS_OF.isoformat(),
                "legal_basis": [
                    {"law": law, "title": LEGAL_SOURCES[law]["title"], "article": article}
                    for law, article in refs
                ],
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# People

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志宇婷雪琳浩博文斌海波晨欣悦佳宁凯鑫昊天航亮"


def person_name(label: str) -> str:
    surname = str(pick(label + "/s", SURNAMES))
    n = 1 + (h(label + "/n") % 3 != 0)  # two characters of given name two times in three
    return surname + "".join(pick(f"{label}/g{i}", GIVEN) for i in range(n))


# Regions valid for people born 1965–1999 (GB/T 2260 history in stdnum/cn/loc.dat).
BIRTH_REGIONS = [
    "210102",
    "210103",
    "210104",
    "210105",
    "210106",
    "210111",
    "210112",
    "210113",
    "210114",
    "210122",
]


def id_number(label: str) -> str:
    for attempt in range(50):
        region = pick(f"{label}/r{attempt}", BIRTH_REGIONS)
        born = date(1966, 1, 1) + timedelta(days=h(f"{label}/b{attempt}") % (365 * 32))
        seq = f"{h(f'{label}/q{attempt}') % 999 + 1:03d}"
        body = f"{region}{born:%Y%m%d}{seq}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number
    raise RuntimeError(f"no valid identity number for {label}")


def mask_ric(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


# department → (number of officers, first certificate number); 辽A-0012345 is the SPEC's suspended example
OFFICER_PLAN: list[tuple[str, int, int]] = [
    ("SJ", 12, 12340),
    ("ST", 7, 23001),
    ("CG", 7, 31001),
    ("JT", 6, 41001),
    ("YJ", 6, 52001),
    ("WJ", 4, 61001),
    ("XF", 4, 71001),
]
AUXILIARY = {("SJ", 11), ("CG", 6), ("JT", 5), ("YJ", 5)}  # (dept, index): 执法辅助人员, no certificate
SPECIAL: dict[tuple[str, int], dict[str, Any]] = {
    ("SJ", 5): {  # 辽A-0012345
        "status": "suspended",
        "status_since": "2026-05-01",
        "status_reason": "检查时未主动出示执法证件，经投诉核查属实，暂扣执法证件",
    },
    ("CG", 2): {
        "status": "suspended",
        "status_since": "2026-04-15",
        "status_reason": "年度执法考核不合格，暂扣执法证件并离岗轮训",
        "retraining": True,
        "return_date": "2026-07-15",
    },
    ("JT", 1): {
        "status": "suspended",
        "status_since": "2026-03-20",
        "status_reason": "涉嫌违规实施异地检查，暂扣执法证件待核查",
    },
    ("ST", 3): {
        "status": "revoked",
        "status_since": "2026-02-10",
        "status_reason": "调离执法岗位，收缴执法证件",
    },
    ("YJ", 2): {"valid_until": "2026-03-31"},  # expired, not renewed
}


def officers() -> list[dict[str, Any]]:
    out = []
    for dept, count, first in OFFICER_PLAN:
        for i in range(count):
            label = f"officer/{dept}/{i}"
            number = id_number(label)
            auxiliary = (dept, i) in AUXILIARY
            valid_until = date(2027, 6, 30) + timedelta(days=30 * (h(label + "/v") % 30))
            record: dict[str, Any] = {
                "officer_id": str(uuid.uuid5(NAMESPACE, label)),
                "name": person_name(label),
                "dept_code": dept,
                "body_code": f"{dept}-210100",
                "cert_no": None if auxiliary else f"辽A-{first + i:07d}",
                "auxiliary": auxiliary,
                "status": "active",
                "valid_until": None if auxiliary else valid_until.isoformat(),
                "id_number": number,
                "id_number_masked": mask_ric(number),
                "status_since": None,
                "status_reason": "",
                "retraining": False,
                "return_date": None,
            }
            record.update(SPECIAL.get((dept, i), {}))
            if dept == "YJ" and i == 2:
                record["status"] = "expired"
            out.append(record)
    return out


# ---------------------------------------------------------------------------------------------------------
# Enterprises

INDUSTRIES: list[tuple[str, str, str]] = [
    # (industry, name suffix, kind of entity)
    ("餐饮服务", "餐饮管理有限公司", "91"),
    ("餐饮服务", "饭店", "92"),
    ("食品销售", "商贸有限公司", "91"),
    ("食品生产", "食品有限公司", "91"),
    ("药品零售", "大药房有限公司", "91"),
    ("化妆品经营", "化妆品商行", "92"),
    ("商场超市", "超市有限公司", "91"),
    ("通用设备制造", "机械制造有限公司", "91"),
    ("化学原料和化学制品制造", "化工有限公司", "91"),
    ("金属制品业", "金属制品有限公司", "91"),
    ("汽车维修", "汽车维修服务有限公司", "91"),
    ("道路货物运输", "物流有限公司", "91"),
    ("道路旅客运输", "客运有限公司", "91"),
    ("建筑施工", "建筑工程有限公司", "91"),
    ("住宿", "酒店管理有限公司", "91"),
    ("美容美发", "美容美发店", "92"),
    ("印刷和包装", "印刷包装有限公司", "91"),
    ("仓储", "仓储服务有限公司", "91"),
    ("危险化学品经营", "化工产品经营有限公司", "91"),
    ("机动车驾驶员培训", "驾驶员培训学校有限公司", "91"),
    ("洗浴服务", "洗浴有限公司", "91"),
    ("电梯维护保养", "电梯工程有限公司", "91"),
]
TRADE_NAMES = [
    "盛京", "沈北", "辽河", "浑河", "北陵", "东陵", "华泰", "恒信", "鑫源", "宏达", "金桥", "瑞丰", "嘉和", "新华",
    "东方", "鼎盛", "福安", "汇丰", "康泰", "永顺", "众诚", "兴业", "天润", "博远", "中禾", "安达", "佳美", "润德",
    "长青", "泰和", "祥瑞", "明远", "开元", "协和", "聚丰", "德昌", "荣盛", "广源", "益民", "万隆",
]  # fmt: skip
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet (no I, O, S, V, Z)


def org_code(label: str) -> str:
    """A GB 11714 organisation code of the post-2015 ``MA`` series with its check character."""
    body = "MA" + "".join(pick(f"{label}/o{i}", ORG_ALPHABET) for i in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    value = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(body, weights, strict=True)
    )
    check = 11 - value % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(kind: str, region: str, label: str) -> str:
    body = kind + region + org_code(label)
    return body + uscc.calc_check_digit(body)


RISK_CLASSES = ["A"] * 20 + ["B"] * 15 + ["C"] * 12 + ["D"] * 6  # 53 of the enterprises carry a class
N_ENTERPRISES = 216


def enterprises() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    usccs: set[str] = set()
    weights = [18, 20, 16, 16, 22, 8, 24, 12, 16, 6, 4, 4, 6]  # roughly by number of market entities
    district_pool = [code for (code, _, _), w in zip(DISTRICTS, weights, strict=True) for _ in range(w)]
    for n in range(N_ENTERPRISES):
        attempt = 0
        while True:
            label = f"enterprise/{n}/{attempt}"
            district = pick(label + "/d", district_pool)
            industry, suffix, kind = pick(label + "/i", INDUSTRIES)
            trade = pick(label + "/t", TRADE_NAMES)
            if kind == "92":
                name = f"沈阳市{DISTRICT_NAME[district]}{trade}{suffix}"
            else:
                name = f"沈阳{trade}{suffix}"
            region = district if kind == "92" or h(label + "/city") % 5 else "210100"
            code = make_uscc(kind, region, label)
            if name not in names and code not in usccs:
                break
            attempt += 1
        names.add(name)
        usccs.add(code)
        street = pick(label + "/s", STREETS[district])
        number = 1 + h(label + "/no") % 398
        address = f"辽宁省沈阳市{DISTRICT_NAME[district]}{street}{number}号"
        if h(label + "/unit") % 3 == 0:
            address += f"{1 + h(label + '/u') % 12}层"
        # MA-series organisation codes are issued since the USCC reform (2015-10-01)
        registered = date(2016, 1, 1) + timedelta(days=h(label + "/reg") % (AS_OF - date(2016, 1, 1)).days)
        out.append(
            {
                "uscc": code,
                "name": name,
                "district_code": district,
                "industry": industry,
                "address": address,
                "legal_rep_masked": _mask_name(person_name(label + "/rep")),
                "registered_on": registered.isoformat(),
                "risk_class": RISK_CLASSES[n // 4] if n % 4 == 1 and n // 4 < len(RISK_CLASSES) else None,
            }
        )
    return out


def _mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1)


# ---------------------------------------------------------------------------------------------------------
# Output

NOTE = "样例数据：人员、企业、地址和证件号码均为虚构（校验位有效），仅用于开发、测试和演示。"


def documents() -> dict[str, dict[str, Any]]:
    return {
        "districts.json": {
            "format": "zhifa.inspection.districts/1",
            "sample": True,
            "note": "沈阳市辖区县及行政区划代码（GB/T 2260，已与 python-stdnum 所附行政区划代码表核对）。",
            "city": {"code": "210100", "name": "沈阳市"},
            "items": [{"code": c, "name": n, "kind": k} for c, n, k in DISTRICTS],
        },
        "departments.json": {
            "format": "zhifa.inspection.departments/1",
            "sample": True,
            "note": "部门及执法主体（样例）。区县执法主体名称为示意，正式名称以各区县公布的执法主体清单为准。",
            "items": departments(),
        },
        "inspection_items.json": {
            "format": "zhifa.inspection.items/1",
            "sample": True,
            "note": (
                "行政检查事项清单（样例，共"
                f"{len(ITEMS)}项）。检查依据条款已与 legal_sources 所列版本逐条核对；事项编码、层级、重点领域"
                "标记为样例配置，不是沈阳市正式公布的清单。"
            ),
            "legal_sources": [{"law": k, **v} for k, v in LEGAL_SOURCES.items()],
            "items": inspection_items(),
        },
        "officers.json": {
            "format": "zhifa.inspection.officers/1",
            "sample": True,
            "note": NOTE
            + "执法证号格式为“辽”+地市字母+“-”+7位数字（可配置）。id_number 仅供加载入库，对外一律使用脱敏号码。",
            "as_of": AS_OF.isoformat(),
            "items": officers(),
        },
        "enterprises.json": {
            "format": "zhifa.inspection.enterprises/1",
            "sample": True,
            "note": NOTE + "risk_class 为风险服务推送前的初始分类（A低—D高），null 表示未分类。",
            "items": enterprises(),
        },
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for filename, doc in documents().items():
        path = HERE / filename
        text = render(doc)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(filename)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run data/sample/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
