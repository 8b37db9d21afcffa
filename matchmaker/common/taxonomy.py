"""Policy areas from the Tokyo reform plan and the 17 SDGs, labelled in Japanese and English."""

from __future__ import annotations

POLICY_AREAS: dict[str, tuple[str, str]] = {
    "disaster_prevention": ("防災", "Disaster prevention"),
    "elderly_care": ("高齢者福祉・見守り", "Elderly care and watching over"),
    "childcare": ("子育て・保育", "Childcare"),
    "nursing_care_work": ("介護・福祉の働き方", "Care work and welfare"),
    "mobility": ("交通・モビリティ", "Traffic and mobility"),
    "cashless": ("キャッシュレス", "Cashless payment"),
    "paperless": ("ペーパーレス・行政手続のデジタル化", "Paperless and digital procedures"),
    "subsidies": ("補助金・助成金", "Subsidies and grants"),
    "public_relations": (
        "広報・双方向コミュニケーション",
        "Public relations and two-way communication",
    ),
    "data_platform": ("データ利活用・スマート東京", "Data platforms (Smart Tokyo)"),
    "municipal_systems": ("区市町村の共通システム", "Shared municipal systems"),
    "environment_energy": ("環境・エネルギー", "Environment and energy"),
    "tourism": ("観光", "Tourism"),
    "international": ("国際交流", "International exchange"),
    "health": ("健康・医療", "Health and medicine"),
    "education": ("教育", "Education"),
}

SDG_GOALS: dict[int, tuple[str, str]] = {
    1: ("貧困をなくそう", "No poverty"),
    2: ("飢餓をゼロに", "Zero hunger"),
    3: ("すべての人に健康と福祉を", "Good health and well-being"),
    4: ("質の高い教育をみんなに", "Quality education"),
    5: ("ジェンダー平等を実現しよう", "Gender equality"),
    6: ("安全な水とトイレを世界中に", "Clean water and sanitation"),
    7: ("エネルギーをみんなに そしてクリーンに", "Affordable and clean energy"),
    8: ("働きがいも経済成長も", "Decent work and economic growth"),
    9: ("産業と技術革新の基盤をつくろう", "Industry, innovation and infrastructure"),
    10: ("人や国の不平等をなくそう", "Reduced inequalities"),
    11: ("住み続けられるまちづくりを", "Sustainable cities and communities"),
    12: ("つくる責任 つかう責任", "Responsible consumption and production"),
    13: ("気候変動に具体的な対策を", "Climate action"),
    14: ("海の豊かさを守ろう", "Life below water"),
    15: ("陸の豊かさも守ろう", "Life on land"),
    16: ("平和と公正をすべての人に", "Peace, justice and strong institutions"),
    17: ("パートナーシップで目標を達成しよう", "Partnerships for the goals"),
}

LANGUAGES: dict[str, tuple[str, str]] = {"ja": ("日本語", "Japanese"), "en": ("英語", "English")}


def label(table: dict, key, locale: str) -> str:
    """Pick the label for the reader's locale, falling back to the key itself."""
    pair = table.get(key)
    if pair is None:
        return str(key)
    return pair[1] if locale == "en" else pair[0]


def choices(table: dict, locale: str) -> list[tuple[str, str]]:
    return [(str(k), label(table, k, locale)) for k in table]
