"""Name pools of the synthetic population, each in the script its holders' documents use.

Every culture gives (nationalities, family names, male given names, female given names, order);
order "family-first" writes the family name first. `script` tags each culture for find().
"""

from __future__ import annotations

CULTURES = {
    # Foreign nationals born in Vietnam or of Vietnamese descent: Vietnamese diacritics.
    "vietnamese": {
        "nationalities": ["USA", "FRA", "AUS", "CAN", "DEU"],
        "family": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"],
        "male": ["Văn Hùng", "Minh Đức", "Quốc Bảo", "Thành Long", "Đình Phúc", "Hữu Nghĩa", "Anh Tuấn"],
        "female": ["Thị Mai", "Ngọc Ánh", "Thu Hương", "Thị Hồng Nhung", "Bảo Ngọc", "Thanh Thủy", "Mỹ Linh"],
        "order": "family-first",
        "script": "latin",
    },
    "korean": {
        "nationalities": ["KOR"],
        "family": ["김", "이", "박", "최", "정", "강", "조", "윤"],
        "male": ["민준", "서준", "도윤", "예준", "시우", "지호"],
        "female": ["서연", "지우", "서윤", "하은", "민서", "지유"],
        "order": "family-first-joined",
        "script": "hangul",
    },
    "japanese": {
        "nationalities": ["JPN"],
        "family": ["佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村"],
        "male": ["健二", "大輔", "翔太", "拓也", "直樹", "隆"],
        "female": ["陽子", "美咲", "由美", "恵", "さくら", "愛"],
        "order": "family-first-joined",
        "script": "han",
    },
    "chinese": {
        "nationalities": ["CHN", "TWN", "SGP"],
        "family": ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"],
        "male": ["伟", "强", "磊", "军", "洋", "志明"],
        "female": ["秀英", "娜", "敏", "静", "丽", "婷婷"],
        "order": "family-first-joined",
        "script": "han",
    },
    "russian": {
        "nationalities": ["RUS", "UKR", "KAZ"],
        "family": [("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"),
                   ("Попов", "Попова"), ("Соколов", "Соколова"), ("Волков", "Волкова")],
        "male": ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван"],
        "female": ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна"],
        "order": "given-first",
        "script": "cyrillic",
    },
    "arabic": {
        "nationalities": ["EGY", "SAU", "ARE", "JOR", "MAR"],
        "family": ["الحسيني", "المصري", "العتيبي", "الخطيب", "النجار", "حداد"],
        "male": ["محمد", "أحمد", "عمر", "يوسف", "خالد", "علي"],
        "female": ["فاطمة", "مريم", "نور", "ليلى", "سارة", "هدى"],
        "order": "given-first",
        "script": "arabic",
    },
    "thai": {
        "nationalities": ["THA"],
        "family": ["ใจดี", "สุขสวัสดิ์", "ศรีสมบูรณ์", "วงศ์ไทย", "แก้วมณี"],
        "male": ["สมชาย", "ประเสริฐ", "วิชัย", "อนุชา", "ธนากร"],
        "female": ["สมหญิง", "มาลี", "นภา", "กมลา", "สุดารัตน์"],
        "order": "given-first",
        "script": "thai",
    },
    "western": {
        "nationalities": ["USA", "GBR", "FRA", "DEU", "ESP", "AUS", "CAN", "NLD", "SWE"],
        "family": ["Smith", "Müller", "López", "Dubois", "O'Connor", "Johansson", "García Márquez",
                   "van der Berg", "Brown", "Łukasiewicz"],
        "male": ["John", "Jürgen", "José Luis", "François", "Liam", "Søren", "Mateo"],
        "female": ["María", "Emma", "Zoë", "Chloé", "Ingrid", "Olivia", "Ana Sofía"],
        "order": "given-first",
        "script": "latin",
    },
}

# Roughly how often each culture appears among the people generated.
WEIGHTS = {"vietnamese": 18, "korean": 18, "japanese": 10, "chinese": 14, "russian": 10, "arabic": 6,
           "thai": 6, "western": 18}


def compose(culture: str, family, given: str, gender: str) -> str:
    """A full name as the document writes it, in the culture's order."""
    spec = CULTURES[culture]
    if isinstance(family, tuple):  # gendered family names (Russian)
        family = family[0] if gender == "male" else family[1]
    if spec["order"] == "family-first":
        return f"{family} {given}"
    if spec["order"] == "family-first-joined":
        return f"{family}{given}"
    return f"{given} {family}"


def family_of(culture: str, full_name: str):
    """The family-name entry of `full_name` (children take their guardian's)."""
    for family in CULTURES[culture]["family"]:
        forms = family if isinstance(family, tuple) else (family,)
        if any(form in full_name for form in forms):
            return family
    return CULTURES[culture]["family"][0]
