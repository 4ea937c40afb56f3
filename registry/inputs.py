"""Taking in a request body (issue 12): its text stored stripped, its dates within the range a person
may enter (1949-10-01 to 2100-12-31), refused with the field named (422) otherwise. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from msgspec import Struct

from core.errors import ErrorCollector
from core.schemas import clean, day_problem

S = TypeVar("S", bound=Struct)


def _cleaned(value: Any) -> Any:
    if isinstance(value, Enum):  # a vocabulary member (a str too) stays what it is
        return value
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Struct):
        return cleaned(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    return value


def cleaned(data: S) -> S:
    """The body with every text in it (nested bodies, lists, keys) stripped, as it is stored (issue 12)."""
    for name in data.__struct_fields__:
        setattr(data, name, _cleaned(getattr(data, name)))
    return data


def add_day_problems(data: Struct, errors: ErrorCollector, prefix: str = "") -> None:
    """Every date in the body (nested bodies and lists too) outside the range a person may enter."""
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if isinstance(value, date) and not isinstance(value, datetime):
            if problem := day_problem(value):
                errors.add(f"{prefix}{name}", problem)
        elif isinstance(value, Struct):
            add_day_problems(value, errors, f"{prefix}{name}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Struct):
                    add_day_problems(item, errors, f"{prefix}{name}[{i}].")


def taken_in(data: S, detail: str = "输入有误") -> S:
    """A request body as a service takes it: text stripped; a date out of range refused (422) with its field."""
    errors = ErrorCollector()
    add_day_problems(data, errors)
    errors.raise_if_any(detail)
    return cleaned(data)
