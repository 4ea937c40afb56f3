"""Forms: a submitted form → the API's ``Input`` struct, and a refusal → messages beside the fields they concern.

    form = await read_form(request)                    # {"name": "...", "specialties": [...]} (lists kept)
    try:
        data = to_input(ApplicationIn, form)           # the same struct the API accepts (bounds, unknown fields)
        await services.apply(...)
    except FormError as exc:                           # validation (msgspec) or DomainError from the service
        return render(request, "office/x.html", form=form, errors=exc.errors, status_code=exc.status)

In the template: ``{{ field_error(errors, "name") }}`` beside the input (``web/templates/macros.html``) and
``errors.detail`` at the top; ``errors.general`` holds the messages whose field is not on the form.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request
from litestar.params import QueryParameter

from core.api import chinese_reason, http_status
from core.errors import DomainError

T = TypeVar("T")
_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_NAMED = re.compile(r"(?:unknown|missing required) field `([^`]*)`")
CHECKED = {"on", "true", "1", "yes"}

# The query parameters of the pages' lists and searches, bounded (a request built to stall gets a 400)
Text = Annotated[str | None, QueryParameter(max_length=100)]
PageOffset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=200)]


@dataclass
class FormErrors:
    """The messages of one refusal: ``detail`` (a sentence for the top of the form) and, per field, its reasons
    (each with its rule id, if any)."""

    detail: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.detail or self.fields)

    def get(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def general(self, shown: tuple[str, ...] | list[str] = ()) -> list[str]:
        """Messages whose field is not among those shown beside an input."""
        return [m for name, msgs in self.fields.items() if name not in shown for m in msgs]


class FormError(Exception):
    def __init__(self, errors: FormErrors, status: int = 422) -> None:
        super().__init__(errors.detail)
        self.errors, self.status = errors, status


def from_domain(exc: DomainError) -> FormErrors:
    errors = FormErrors(detail=exc.detail)
    for e in exc.errors:
        reason = f"{e.reason}（{e.rule_id}）" if e.rule_id and e.rule_id not in e.reason else e.reason
        errors.fields.setdefault(_leaf(e.field), []).append(reason)
    return errors


def from_validation(exc: msgspec.ValidationError) -> FormErrors:
    message = str(exc)
    name = "form"
    if match := _AT_PATH.search(message):
        message, name = message[: match.start()], match.group(1) or name
    if match := _NAMED.search(message):
        name = match.group(1)
    reason = chinese_reason(message)
    return FormErrors(detail=f"请检查填写的内容：{reason}", fields={_leaf(name): [reason]})


def _leaf(name: str) -> str:
    """``data.expert.phone`` → ``expert.phone``; ``body`` → ``form``."""
    name = name.removeprefix("data.").removeprefix("body.")
    return "form" if name in ("body", "data", "") else re.sub(r"\[\d+\]$", "", name)


async def read_form(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted form as a dict: blank fields dropped (the struct's default applies), the names in
    ``lists`` as lists (checkboxes, multi-selects), the CSRF field removed."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        if key == "_csrf_token":
            continue
        values = [v.strip() if isinstance(v, str) else v for v in form.getall(key)]
        if key in lists:
            data[key] = [v for v in values if v != ""]
        elif values and values[-1] != "":
            data[key] = values[-1]
    return data


def to_input(struct_type: type[T], data: dict[str, Any], **extra: Any) -> T:
    """The API's Input struct from a form (strings converted: "5" → 5, "2026-12-01" → date, a ticked box →
    True), with its own bounds and refusal of unknown fields; FormError (422) otherwise."""
    values = {k: (True if isinstance(v, str) and v.lower() in CHECKED and _is_bool(struct_type, k) else v)
              for k, v in {**data, **extra}.items()}
    try:
        return msgspec.convert(values, struct_type, strict=False)
    except msgspec.ValidationError as exc:
        raise FormError(from_validation(exc), 422) from exc


def _is_bool(struct_type: type, name: str) -> bool:
    for f in msgspec.structs.fields(struct_type) if hasattr(struct_type, "__struct_fields__") else ():
        if f.name == name:
            kind = typing.get_args(f.type)[0] if typing.get_origin(f.type) is typing.Annotated else f.type
            if typing.get_origin(kind) is typing.Literal:  # core.schemas.Flag: Literal[True, False]
                return all(isinstance(a, bool) for a in typing.get_args(kind))
            return kind is bool or kind == (bool | None)  # or Annotated[bool, Meta(...)]
    return False


def refusal(exc: DomainError) -> FormError:
    """A service's refusal as a FormError with the API's status (404, 409, 422...)."""
    return FormError(from_domain(exc), http_status(exc))
