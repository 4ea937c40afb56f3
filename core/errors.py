"""Domain errors carry the field, the reason and, where one applies, the rule id from DOMAIN.md.

Domain code raises them; the API turns each into a 4xx answer of one shape:
``{"status_code": 422, "detail": "...", "errors": [{"field": ..., "reason": ..., "rule_id": ...}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    rule_id: str | None = None


@dataclass
class DomainError(Exception):
    """A request the domain refuses. ``status_code`` is the HTTP status it maps to."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status_code: int = 422
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:  # pragma: no cover - for logs only
        return f"{self.detail}: {self.errors}"


def invalid(field_name: str, reason: str, rule_id: str | None = None) -> DomainError:
    """A single-field validation failure (422)."""
    return DomainError(detail=reason, errors=[FieldError(field_name, reason, rule_id)], status_code=422)


def not_found(what: str, key: object, field_name: str = "id") -> DomainError:
    return DomainError(
        detail=f"{what} {key} does not exist",
        errors=[FieldError(field_name, f"no {what} with this id")],
        status_code=404,
    )


def conflict(detail: str, field_name: str, reason: str, rule_id: str | None = None, **extra) -> DomainError:
    """The request clashes with the current state (409): a duplicate, or a step out of order."""
    return DomainError(detail=detail, errors=[FieldError(field_name, reason, rule_id)], status_code=409, extra=extra)


class ErrorCollector:
    """Collects every field problem of one input so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field_name: str, reason: str, rule_id: str | None = None) -> None:
        self.errors.append(FieldError(field_name, reason, rule_id))

    def raise_if_any(self, detail: str = "invalid input") -> None:
        if self.errors:
            raise DomainError(detail=f"{detail}: " + "; ".join(f"{e.field}: {e.reason}" for e in self.errors),
                              errors=list(self.errors), status_code=422)
