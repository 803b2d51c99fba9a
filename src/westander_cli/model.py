"""Pydantic models of the files a firm keeps: proposals, people and the firm's settings."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
PERSON_ID = r"^[a-z0-9._-]{1,64}$"
NACE_CODE = re.compile(r"^\d{2}(\.\d{1,3})?$")

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
RequiredLongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
PersonId = Annotated[str, StringConstraints(pattern=PERSON_ID)]


def lax(enum: type[StrEnum]) -> object:
    """An enum field that accepts its string values (strict mode would insist on enum instances)."""
    return Annotated[enum, Field(strict=False)]


class Strict(BaseModel):
    """Base for file models: unknown keys are errors, values are not coerced from other types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class ClientKind(StrEnum):
    COMPANY = "company"
    POLITICAL_PARTY = "political_party"
    NONPROFIT = "nonprofit"
    PUBLIC_SECTOR = "public_sector"
    TRADE_ASSOCIATION = "trade_association"
    INDIVIDUAL = "individual"


class OwnerKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"
    STATE = "state"


class Relation(StrEnum):
    COMPETITOR = "competitor"
    OPPONENT = "opponent"
    TARGET = "target"
    PARTNER = "partner"


class Role(StrEnum):
    CONSULTANT = "consultant"
    BUSINESS_AREA_MANAGER = "business_area_manager"
    CEO = "ceo"


def check_country(code: str) -> str:
    """ISO 3166-1 alpha-2, written in capitals."""
    import pycountry  # costs ~50 ms, so only where a file is validated

    upper = code.upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return upper


def check_nace_codes(codes: list[str]) -> list[str]:
    """Codes written like '12', '11.05' or '46.341' that exist in NACE Rev. 2 (SNI 2007)."""
    from westander_cli.screening.sectors import check_exists

    for code in codes:
        if not NACE_CODE.match(code):
            raise ValueError(f"'{code}' is not a NACE code like '12', '11.05' or '46.341'")
        check_exists(code)
    return codes


def check_swedish_org_number(number: str) -> str:
    """Swedish organisation numbers carry a Luhn check digit; a typo is caught here."""
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.se import orgnr

    try:
        return str(orgnr.format(orgnr.validate(number)))
    except StdnumError as error:
        raise ValueError(f"not a valid Swedish organisation number: {error.message.lower()}") from None


def swedish_org_number_if_se(number: str | None, info: ValidationInfo) -> str | None:
    """Checksum-validate org numbers of Swedish companies (country is validated before the number)."""
    if number is None or info.data.get("country", "SE") != "SE" or info.data.get("kind") in (OwnerKind.PERSON, OwnerKind.STATE):
        return number
    return check_swedish_org_number(number)


class Owner(Strict):
    name: ShortText
    kind: lax(OwnerKind) = OwnerKind.COMPANY  # type: ignore[valid-type]
    country: str = "SE"
    share: Annotated[float, Field(ge=0, le=100)] | None = None
    control: bool = False
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)


class Client(Strict):
    name: ShortText
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    kind: lax(ClientKind) = ClientKind.COMPANY  # type: ignore[valid-type]
    sectors: Annotated[list[str], Field(max_length=50)] = []
    environmental_responsibility: Annotated[list[ShortText], Field(max_length=50)] = []
    aliases: Annotated[list[ShortText], Field(max_length=50)] = []
    owners: Annotated[list[Owner], Field(max_length=200)] = []

    _country = field_validator("country")(check_country)

    @field_validator("sectors")
    @classmethod
    def _nace(cls, codes: list[str]) -> list[str]:
        return check_nace_codes(codes)

    _org_number = field_validator("org_number")(swedish_org_number_if_se)


class Counterparty(Strict):
    name: ShortText
    relation: lax(Relation)  # type: ignore[valid-type]
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None


class Proposal(Strict):
    """A possible engagement as a consultant describes it (SPEC 2.3)."""

    id: Annotated[str, StringConstraints(pattern=SLUG)] | None = None
    title: ShortText
    description: RequiredLongText
    website_text: LongText = ""
    lead: PersonId | None = None
    political_influence: bool = False
    transparency_accepted: bool = False
    on_behalf_of: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    principal_disclosed: bool = True
    election_campaign: bool = False
    estimated_value_sek: Annotated[float, Field(ge=0, le=1e12)] = 0
    client: Client
    counterparties: Annotated[list[Counterparty], Field(max_length=200)] = []


class Person(Strict):
    id: PersonId
    name: ShortText
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    role: lax(Role) = Role.CONSULTANT  # type: ignore[valid-type]
    business_area: Annotated[str, StringConstraints(max_length=200)] = ""
    active: bool = True
    signing_key: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class People(Strict):
    person: Annotated[list[Person], Field(min_length=1, max_length=10_000)]

    @model_validator(mode="after")
    def _consistent(self) -> People:
        seen_ids: set[str] = set()
        seen_emails: set[str] = set()
        for person in self.person:
            if person.id in seen_ids:
                raise ValueError(f"person id '{person.id}' is used twice")
            if person.email.lower() in seen_emails:
                raise ValueError(f"email '{person.email}' is used twice")
            seen_ids.add(person.id)
            seen_emails.add(person.email.lower())
        ceos = [p.id for p in self.person if p.active and p.role == Role.CEO]
        if len(ceos) != 1:
            raise ValueError(f"exactly one active person must have role 'ceo' (found {len(ceos)})")
        return self


class Language(StrEnum):
    SV = "sv"
    EN = "en"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class SmtpSettings(Strict):
    host: ShortText
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: lax(SmtpSecurity) = SmtpSecurity.STARTTLS  # type: ignore[valid-type]
    user: Annotated[str, StringConstraints(max_length=254)] = ""
    password_env: Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")] | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 20


class Channel(StrEnum):
    OUTBOX = "outbox"
    SMTP = "smtp"


RESERVED_FOLDERS = frozenset({"engagements", "registry", "policies", "firm.toml", "people.toml"})
"""What the data folder holds besides the outbox (dot-folders such as .git and .wst are refused too)."""


class NotifySettings(Strict):
    channels: Annotated[list[lax(Channel)], Field(min_length=1)] = [Channel.OUTBOX]  # type: ignore[valid-type]
    sender: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] = "wst@localhost"
    outbox: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "outbox"
    smtp: SmtpSettings | None = None

    @model_validator(mode="after")
    def _smtp_configured(self) -> NotifySettings:
        if Channel.SMTP in self.channels and self.smtp is None:
            raise ValueError("channel 'smtp' needs a [notify.smtp] table")
        return self

    @field_validator("outbox")
    @classmethod
    def _outbox_inside_data_folder(cls, value: str) -> str:
        """A relative folder inside the data folder: never absolute, never `..`, never wst's own folders."""
        parts = PurePosixPath(value.replace("\\", "/")).parts
        if value.startswith(("/", "\\", "~")) or PureWindowsPath(value).drive or not parts:
            raise ValueError("must be a relative folder inside the data folder, such as 'outbox'")
        if ".." in parts or "." in value.replace("\\", "/").split("/"):
            raise ValueError("must stay inside the data folder: no '.' or '..' parts")
        if parts[0] in RESERVED_FOLDERS or parts[0].startswith("."):
            raise ValueError(f"'{parts[0]}' is wst's own; the outbox needs a folder of its own, such as 'outbox'")
        return value


class SignatureRule(StrEnum):
    NONE = "none"
    CEO_DECISIONS = "ceo_decisions"
    ALL = "all"


class SignatureSettings(Strict):
    required: lax(SignatureRule) = SignatureRule.NONE  # type: ignore[valid-type]
    """Which events must carry an SSH signature of their author: none, the CEO's decisions, or all."""

    def requires(self, kind: EventKind) -> bool:
        """Whether an event of this kind must be signed: asked when recording and when verifying."""
        return self.required == SignatureRule.ALL or (self.required == SignatureRule.CEO_DECISIONS and kind in CEO_DECISIONS)


class GitSettings(Strict):
    autocommit: bool = False
    """Commit each recorded event to the data folder's git repository, authored by the acting person."""


class Firm(Strict):
    name: ShortText
    language: lax(Language) = Language.SV  # type: ignore[valid-type]
    review_hours: Annotated[int, Field(ge=1, le=24 * 60)] = 48
    notify: NotifySettings = NotifySettings()
    signatures: SignatureSettings = SignatureSettings()
    git: GitSettings = GitSettings()


class EventKind(StrEnum):
    PROPOSED = "proposed"
    INFORMED = "informed"
    ACK = "ack"
    COMMENT = "comment"
    OBJECTION = "objection"
    OBJECTION_WITHDRAWN = "objection_withdrawn"
    OPT_OUT = "opt_out"
    APPROVAL = "approval"
    VETO = "veto"
    WITHDRAWN = "withdrawn"
    OFFER = "offer"
    WON = "won"
    LOST = "lost"
    ENDED = "ended"
    TEAM = "team"
    LEAD_CHANGED = "lead_changed"
    CRITICISM = "criticism"


CEO_DECISIONS = frozenset({EventKind.APPROVAL, EventKind.VETO, EventKind.LEAD_CHANGED})
"""The decisions only the CEO takes; firm.toml may require them to be signed."""


class StoredFinding(BaseModel):
    """A finding as recorded with the proposal: what colleagues and the CEO decided on."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    rule: str
    severity: str
    message: str
    source: str
    evidence: dict[str, object] = {}
    kind: str = ""


class Event(BaseModel):
    """One record in an engagement's history; written once, never rewritten (one file each).

    `follows` names, by hash, the events that were the newest when this one was recorded, so the
    history is a hash-linked graph that two git clones can extend and merge without conflict.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: lax(EventKind)  # type: ignore[valid-type]
    at: AwareDatetime
    by: PersonId
    follows: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]] = []
    # what some kinds carry
    reason: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    text: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    person: PersonId | None = None
    action: Literal["add", "remove"] | None = None
    objection: str | None = None
    recipients: list[PersonId] | None = None
    channel: lax(Channel) | None = None  # type: ignore[valid-type]
    about: str | None = None
    consulted: dict[str, str] | None = None
    proposal_sha256: str | None = None
    lead: PersonId | None = None
    colleagues: list[PersonId] | None = None
    review_deadline: AwareDatetime | None = None
    exception_reason: str | None = None
    findings: list[StoredFinding] | None = None
    hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    signature: str | None = None

    def content(self) -> dict[str, object]:
        """The hashed part: everything but the hash and the signature, as stored."""
        return self.model_dump(mode="json", exclude={"hash", "signature"}, exclude_none=True)
