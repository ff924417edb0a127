"""The word lists the recogniser's rules use (`chinese.py`, `latin.py`), in one place.

Each list was written for a failure measured on the dev sample (bench/entities.py); they
are short on purpose: what recurs across outlets is decided by the archive's statistics,
not by growing these lists.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Role words a person's name follows (部长肖亚庆, 记者夏小华): with HMM off such names
# come as single characters, so a surname after one of these starts a name.
TITLES = _words(
    "主任 主席 分析师 创办人 创始人 副部长 发言人 外长 大使 局长 市长 总书记 总理 总监"
    " 总经理 总统 总裁 所长 教授 省长 研究员 编辑 网编 董事长 记者 责编 部长 院长 首相"
)
# Words ending a role: what stands before a name (众议员, 局长, 发言人).
ROLE_ENDINGS = ("员", "长", "官", "者", "师", "家", "人", "主任", "主席", "总统", "书记", "代表")
# Common words jieba's dictionary tags as names or places (seen in corpus articles).
NOT_NAMES = _words(
    "三国 两国 中国电信 中外 中文网 全国 关联 半壁江山 印发 各国 回国 国内 国外 外国 多达"
    " 大国 大跃进 奈米 对华 封锁 已达成 新政府 明星 显微镜 曝光 本国 比达 民主联盟 海外"
    " 祖国 纳米 美国化 美国大学 许可证 远非 通讯 集成电路 高科技"
    # jieba's 'ns' and 'nt' common words in 430 articles of the Jekyll tarball outside
    # the labelled samples (every 7th of its articles 6,000-9,000).
    " 上台 上市 上街 上路 上门 中断 于本周 公共场所 国与国 国际化 国际舞台 城市 大公司 大关"
    " 大城 大坝 大桥 大海 大都 太阳 小国 山沟 山区 山庄 巴士 建国 普及 普通 日增 无虞 朝野"
    " 沿海 治安 波及 海关 海洋 海峡 深度 爱国 礼拜 社会科学 离岛 空中交通 美中关系 英里 英雄"
    " 重大进展 都市 长达 东西 南北 回港 新区 缅怀 台风 确保安全 中学教师"
)
# Endings of concepts, indices, policies and diseases: a form of the mined alias table
# ending so (居民消费价格指数 beside CPI, 武汉肺炎 beside COVID-19) is no name.
CONCEPT_ENDINGS = ("指数", "外资", "政策", "关系", "肺炎", "病毒", "疫情", "计划", "性", "率")
# jieba's tags of common words: a mined form the standard dictionary lists so (外交政策
# 'n', 可能性 'n') is a concept or role, not a name.
COMMON_TAGS = _words("n vn v a ad an d l i")
# Suffixes that make the tokens before them an organisation's name (longest first).
# Besides companies and institutes: courts, party committees (济南市委), governments
# named with their place (美国政府), associations, bureaux and working groups.
ORG_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "人民法院",
    "领导小组",
    "研究中心",
    "研究院",
    "研究所",
    "委员会",
    "联合会",
    "通讯社",
    "电视台",
    "基金会",
    "交易所",
    "检察院",
    "检察厅",
    "办事处",
    "管理局",
    "财政局",
    "公安局",
    "工作组",
    "常委会",
    "集团",
    "大学",
    "学院",
    "银行",
    "电台",
    "法院",
    # Courts by level, as Chinese news shortens them (高级/中级人民法院): 许昌中院.
    "高院",
    "中院",
    "协会",
    "公会",
    "诊所",
    "医院",
    "市委",
    "省委",
    "县委",
    "区委",
    "政府",
    "公司",
)
# A country's national bodies are named without the country (国家统计局, 全国政协):
# 中国国家民族事务委员会 is 中国 and 国家民族事务委员会.
NATIONAL_STARTS = ("国家", "全国")
# A plain 公司 or 集团 after only a place and common nouns is a description
# (美国芯片公司), not a name.
GENERIC_SUFFIXES = frozenset({"公司", "集团"})
# Common surnames: a three-character 'nr' starting with one is a name; two-character
# 'nr' tokens (紫光, 高阶, 亚太 in the sample) are mostly not.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤温苗柯詹邢洪翁甘包祝左裴骆鲍欧阳岳施牛季庞"
    "赖易翟乔聂褚尚萧葛柴宁单常童凌霍卓麦关殷伍倪俞滕"
)
# What follows a person's name in news prose: speech verbs, a date, a bracket.
AFTER_NAME = _words(
    "与 为 也 今天 介绍 任 则 告诉 呼吁 和 回应 在 坦言 宣布 对 强调 指出 接受 提到 日前"
    " 昨天 曾 此前 称 等 表示 认为 说 说明 质询 透露"
)
# Characters that end a name rather than being part of it (彭斯将 -> 彭斯; 秦也认为 has
# no given name: a run of single characters stops before them).
NOT_THIRD = frozenset("将在是也已曾称说和与对向被把从就都还又再的了不们者着之第等")
# A surname and one of these is a family or a surname, not a person (陈家, 杨姓, 王氏).
FAMILY_ENDS = frozenset("家姓氏")

# jieba's part-of-speech tags, grouped by what the rules do with them.
TAG_KIND = {"nt": "org", "ns": "place", "nr": "person", "nrfg": "person", "nz": "other"}
# Punctuation, numbers, function words and verbs start no name.
SKIP_TAGS = _words("ad c d e f m o p r ud ug uj ul uv uz v x y")
FUNCTION_TAGS = _words("c m p q r ud ug uj ul uv uz v y")
# Runs of single characters are where the dictionary (HMM off) left an unknown word;
# these tags end a run.
RUN_STOP_TAGS = _words("c e o p r ud ug uj ul uv uz x y")
# How the dictionary tags a surname standing alone (高 as 'a' is the adjective: 高达).
SURNAME_TAGS = _words("ag b j n ng nr ns nz tg vg zg")
PROPER_TAGS = _words("ns nt nz nr nrfg nrt j eng")
NOUNISH_TAGS = PROPER_TAGS | _words("n vn an nl ng")

CJK = re.compile(r"^[\u3400-\u9fff]+$")
# Capitalised words and acronyms, with inner spaces, dots, ampersands and digits.
LATIN = re.compile(r"[A-Z][A-Za-z0-9&.'-]*(?:[ ][A-Z][A-Za-z0-9&.'-]*)*")
# Latin capitals that are words, units or technology, not names.
LATIN_STOP = _words(
    "A AI AIDS AM AND APP AR BY CEO CFO CN COVID CPU CT CTO DNA DRAM DUV EN ETF EUV FAQ FOR"
    " GB GDP GPU HTML HTTP I IC IN IOT IPO IT KG KM LCD LED MAX MM MRI NAND NM NO OF OK OLED"
    " ON PC PCB PCR PDF PM PPT PRO R&D RAM RNA THE TO TV UN USB VIP VR VS WTO"
)
OPEN, CLOSE = "(（", ")）"
