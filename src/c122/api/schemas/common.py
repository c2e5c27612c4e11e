"""Field types and the strict base models every request body of the API uses."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_\-]{1,64}$")]
StatusValue = Literal["ok", "degraded", "down"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """A partial update: a field left out keeps its value. Null clears a field only where the record may
    be without it — where the body that `creates` the record allows null too — and is refused (422)
    everywhere else, so a null never reaches a rule that needs a value. The OpenAPI document says so."""

    creates: ClassVar[type[BaseModel]]

    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda schema, cls: _hide_null(schema, cls))

    @classmethod
    def clearable(cls) -> frozenset[str]:
        fields = cls.creates.model_fields
        return frozenset(name for name, f in fields.items() if type(None) in get_args(f.annotation))

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_clearable(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.clearable():
            # the same code and words as the services' own check, so a client sees one refusal for it
            raise PydanticCustomError("null_not_allowed", "this setting needs a value")
        return value


def _hide_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    assert issubclass(model, Patch)
    clearable = model.clearable()
    for name, field in schema.get("properties", {}).items():
        if name in clearable or "anyOf" not in field:
            continue
        kept = [option for option in field.pop("anyOf") if option != {"type": "null"}]
        field.pop("default", None)
        if len(kept) == 1:
            field.update(kept[0])
        else:
            field["anyOf"] = kept
