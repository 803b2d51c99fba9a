"""The hand-entered TOML form of the ownership registry: entities with their direct owners."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from westander_cli.i18n import _
from westander_cli.model import LAX, OwnerKind, Strict, check_country, swedish_org_number_if_se
from westander_cli.screening.names import normalise, org_digits
from westander_cli.screening.sources import Edge, Entity, Parsed


class RegistryOwner(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    kind: Annotated[OwnerKind, LAX] = OwnerKind.COMPANY
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    share: Annotated[float, Field(ge=0, le=100)] | None = None
    share_min: Annotated[float, Field(ge=0, le=100)] | None = None
    share_max: Annotated[float, Field(ge=0, le=100)] | None = None
    control: bool = False

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)

    @model_validator(mode="after")
    def _bounds(self) -> RegistryOwner:
        if self.share is not None and (self.share_min is not None or self.share_max is not None):
            raise ValueError(_("give share, or share_min and share_max, not both"))
        if self.share_min is not None and self.share_max is not None and self.share_min > self.share_max:
            raise ValueError(_("share_min is larger than share_max"))
        return self


class RegistryEntity(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    kind: Annotated[OwnerKind, LAX] = OwnerKind.COMPANY
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    aliases: list[str] = Field(default_factory=list)
    owners: list[RegistryOwner] = Field(default_factory=list)

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)


class RegistryFile(Strict):
    entity: list[RegistryEntity]


def parse_toml_registry(path: Path) -> Parsed:
    from westander_cli.tomlfile import load_model, read_toml

    document = load_model(read_toml(path, _("registry file")), RegistryFile)
    parsed = Parsed(statements=len(document.entity))

    def key_of(name: str, org_number: str | None) -> str:
        digits = org_digits(org_number)
        return f"org:{digits}" if digits else f"name:{normalise(name)}"

    for item in document.entity:
        key = key_of(item.name, item.org_number)
        parsed.entities[key] = Entity(key, item.name, item.kind.value, [item.country], item.org_number, list(item.aliases))
    for item in document.entity:
        subject = key_of(item.name, item.org_number)
        for owner in item.owners:
            owner_key = key_of(owner.name, owner.org_number)
            parsed.entities.setdefault(owner_key, Entity(owner_key, owner.name, owner.kind.value, [owner.country], owner.org_number))
            low = owner.share if owner.share is not None else owner.share_min
            high = owner.share if owner.share is not None else owner.share_max
            if low is None and high is not None:
                low = 0.0
            parsed.edges.append(Edge(subject, owner_key, low, high if low is not None else None, owner.control))
    return parsed


