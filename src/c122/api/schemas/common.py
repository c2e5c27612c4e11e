"""Field types and the strict base model every request body of the API uses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_\-]{1,64}$")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
StatusValue = Literal["ok", "degraded", "down"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
