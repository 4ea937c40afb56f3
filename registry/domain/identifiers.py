"""National identifiers: citizen ID number (GB 11643-1999) and unified social credit code (GB 32100-2015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def citizen_id_check_char(first17: str) -> str:
    """The 18th character of a citizen ID number (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class CitizenId:
    """A parsed 18-character citizen ID number (居民身份证号码)."""

    number: str
    region_code: str
    birth_date: date
    is_male: bool


def parse_citizen_id(raw: str) -> CitizenId:
    """Validate a citizen ID number and return its parts; ``ValueError`` says what is wrong."""
    number = raw.strip().upper()
    if len(number) != 18:
        raise ValueError("须为 18 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValueError("须为 17 位数字加 1 位数字或 X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("出生日期（第 7-14 位）不是有效日期") from None
    if birth.year < 1900:
        raise ValueError("出生日期（第 7-14 位）早于 1900 年")
    if number[17] != citizen_id_check_char(number[:17]):
        raise ValueError("校验码不符（GB 11643）")
    return CitizenId(number=number, region_code=number[:6], birth_date=birth, is_male=int(number[16]) % 2 == 1)


# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V); weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Validate a unified social credit code (统一社会信用代码) and return it normalised."""
    code = raw.strip().upper()
    if len(code) != 18:
        raise ValueError("须为 18 位")
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise ValueError(f"含有 GB 32100 不允许的字符：{''.join(bad)}")
    if not code[2:8].isdigit():
        raise ValueError("第 3-8 位须为行政区划代码（数字）")
    if code[17] != uscc_check_char(code[:17]):
        raise ValueError("校验码不符（GB 32100）")
    return code


def mask_citizen_id(number: str) -> str:
    """Show the first four and last four characters only: ``3301**********1234`` (R-REC-4)."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_phone(phone: str) -> str:
    """``138****5678``: the first three and last four digits (R-REC-4)."""
    digits = phone.strip()
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) > 7 else "*" * len(digits)


def validate_mobile(raw: str) -> str:
    phone = raw.strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (len(phone) == 11 and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"):
        raise ValueError("须为 13-19 开头的 11 位大陆手机号码")
    return phone


def make_citizen_id(region_code: str, birth: date, sequence: int, male: bool) -> str:
    """Build a valid ID number (for demo data and tests): the 17th digit is odd for men, even for women."""
    seq = sequence % 100 * 10 + (sequence // 100 % 5) * 2 + (1 if male else 0)
    first17 = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + citizen_id_check_char(first17)


def make_uscc(registration_dept: str, org_kind: str, region_code: str, body: str) -> str:
    """Build a valid unified social credit code from its parts (1 + 1 + 6 + 9 characters + check)."""
    first17 = f"{registration_dept}{org_kind}{region_code}{body}"
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError("各部分须合计为 17 个 GB 32100 字符")
    return first17 + uscc_check_char(first17)
