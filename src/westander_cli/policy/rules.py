"""Policy rules as data. Kinds are a closed set in code; policy files only choose and parameterise."""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.model import LAX, Strict, check_nace_codes
from westander_cli.tomlfile import FileProblems, TomlDocument, describe_validation_error, read_toml


class Severity(StrEnum):
    FORBID = "forbid"
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"forbid": 3, "block": 2, "warn": 1, "info": 0}[self.value]


class Texts(Strict):
    sv: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    en: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class RuleBase(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]
    severity: Annotated[Severity, LAX]
    title: Texts
    explanation: Texts
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    quote: Annotated[str, StringConstraints(min_length=1, max_length=2000)]




class SectorRule(RuleBase):
    """The client itself works in one of `codes`."""

    kind: Literal["sector"]
    codes: Annotated[list[str], Field(min_length=1)]

    _codes = field_validator("codes")(check_nace_codes)


class EnvironmentRule(RuleBase):
    """The client works in an environmentally heavy sector and shows no environmental responsibility."""

    kind: Literal["environment"]
    codes: Annotated[list[str], Field(min_length=1)]
    min_evidence: Annotated[int, Field(ge=1, le=10)] = 1

    _codes = field_validator("codes")(check_nace_codes)


class ConflictRule(RuleBase):
    """The engagement competes with, or works against, an active client."""

    kind: Literal["conflict"]
    relation: Literal["competitor", "opposing"]


class TransparencyRule(RuleBase):
    kind: Literal["political_transparency"]


class HiddenPrincipalRule(RuleBase):
    kind: Literal["hidden_principal"]


class PartyNeutralityRule(RuleBase):
    kind: Literal["party_neutrality"]


class OwnershipRule(RuleBase):
    """Restricted owners (by country) hold at least `min_share` percent or control the client."""

    kind: Literal["ownership"]
    countries: Annotated[list[str], Field(min_length=1)]
    min_share: Annotated[float, Field(gt=0, le=100)] = 25.0
    linked_countries: list[str] = Field(default_factory=lambda: ["HK", "MO"])
    """Jurisdictions tied to a restricted country without being it (Hong Kong and Macao are special
    administrative regions of China): an owner there is shown to a person at `linked_severity`."""
    linked_severity: Annotated[Severity, LAX] = Severity.WARN

    @field_validator("countries", "linked_countries")
    @classmethod
    def _iso(cls, countries: list[str]) -> list[str]:
        from westander_cli.model import check_country

        return [check_country(c) for c in countries]


Rule = (
    SectorRule
    | EnvironmentRule
    | ConflictRule
    | TransparencyRule
    | HiddenPrincipalRule
    | PartyNeutralityRule
    | OwnershipRule
)

RULE_KINDS: dict[str, type[BaseModel]] = {
    "sector": SectorRule,
    "environment": EnvironmentRule,
    "conflict": ConflictRule,
    "political_transparency": TransparencyRule,
    "hidden_principal": HiddenPrincipalRule,
    "party_neutrality": PartyNeutralityRule,
    "ownership": OwnershipRule,
}


class Policy(BaseModel):
    """All rules of a policies folder, in file and then rule order."""

    model_config = ConfigDict(defer_build=True)

    rules: list[Rule]
    files: list[Path]

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        hint = difflib.get_close_matches(rule_id, [r.id for r in self.rules], n=1)
        suggestion = _(" (did you mean '{value}'?)").format(value=hint[0]) if hint else ""
        raise InvalidInput(_("no rule '{rule_id}'{suggestion}; see 'wst policy list'").format(rule_id=rule_id, suggestion=suggestion))


def load_policy(folder: Path) -> Policy:
    """Read every `*.toml` in the folder; any problem is an InvalidInput naming file, line and rule."""
    problems = policy_problems(folder)
    if problems.problems:
        raise FileProblems(problems.problems)
    return Policy(rules=problems.rules, files=problems.files)


class _Loaded:
    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.files: list[Path] = []
        self.problems: list[str] = []


def policy_problems(folder: Path) -> _Loaded:
    """Load what can be loaded and collect every problem (for `wst validate`)."""
    loaded = _Loaded()
    if not folder.is_dir():
        loaded.problems.append(_("{folder}: no such policies folder").format(folder=folder))
        return loaded
    files = sorted(folder.glob("*.toml"))
    if not files:
        loaded.problems.append(_("{folder}: no policy files (*.toml)").format(folder=folder))
    seen: dict[str, Path] = {}
    for path in files:
        loaded.files.append(path)
        try:
            document = read_toml(path, _("policy file"))
        except InvalidInput as error:
            loaded.problems.append(str(error))
            continue
        for rule in _rules_of(document, loaded.problems):
            if rule.id in seen:
                line = document.line_of("rule")
                loaded.problems.append(
                    _("{path}:{value}: rule '{id}' is defined twice (also in {value2})").format(path=path, value=line or 1, id=rule.id, value2=seen[rule.id])
                )
                continue
            seen[rule.id] = path
            loaded.rules.append(rule)
    return loaded


def _rules_of(document: TomlDocument, problems: list[str]) -> list[Rule]:
    path = document.path
    unknown = set(document.data) - {"rule", "title", "version"}
    for key in sorted(unknown):
        problems.append(_("{path}:{value}: {key}: unknown key (expected [[rule]])").format(path=path, value=document.line_of(key) or 1, key=key))
    raw_rules = document.data.get("rule", [])
    if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
        problems.append(_("{path}:{value}: rule: must be [[rule]] tables").format(path=path, value=document.line_of('rule') or 1))
        return []
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        at = f"rule[{index}]"
        name = raw.get("id") if isinstance(raw.get("id"), str) else at
        kind = raw.get("kind")
        model = RULE_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            hint = difflib.get_close_matches(str(kind), list(RULE_KINDS), n=1)
            problems.append(
                _("{path}:{value}: rule '{name}': kind: ").format(path=path, value=document.line_of(at + '.kind') or document.line_of(at) or 1, name=name)
                + (_("unknown kind '{kind}'").format(kind=kind) if kind is not None else _("required, but missing"))
                + (_(" (did you mean '{value}'?)").format(value=hint[0]) if hint else _("; one of {value}").format(value=', '.join(RULE_KINDS)))
            )
            continue
        try:
            rules.append(cast(Rule, model.model_validate(raw)))  # RULE_KINDS maps each kind to a member of Rule
        except ValidationError as error:
            for problem in describe_validation_error(document, model, error, at=("rule", index)):
                problems.append(problem.replace(f": {at}.", _(": rule '{name}': ").format(name=name), 1))
    return rules
