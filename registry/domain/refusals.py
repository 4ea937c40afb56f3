"""Refusals of the registry's rules as error kinds: a record that exists already (``Duplicate``), a step
taken outside its procedure's order (``OutOfOrder``). A state that forbids a step is ``core.errors.conflict``."""

from __future__ import annotations

from core.errors import Duplicate, FieldError, OutOfOrder


def duplicate(detail: str, field_name: str, reason: str, rule_id: str | None = None) -> Duplicate:
    return Duplicate(detail=detail, errors=[FieldError(field_name, reason, rule_id)])


def out_of_order(detail: str, field_name: str, reason: str, rule_id: str | None = None) -> OutOfOrder:
    return OutOfOrder(detail=detail, errors=[FieldError(field_name, reason, rule_id)])

