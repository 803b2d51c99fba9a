"""Pydantic models of the files a firm keeps: proposals, people and the firm's settings."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from westander_cli.bounds import SLUG, WINDOWS_RESERVED
from westander_cli.clock import check_moment
from westander_cli.i18n import _
from westander_cli.review_period import Counting, check_time_zone

PERSON_ID = r"^[a-z0-9._-]{1,64}$"
NACE_CODE = re.compile(r"^\d{2}(\.\d{1,3})?$")

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
RequiredLongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
PersonId = Annotated[str, StringConstraints(pattern=PERSON_ID)]


LAX = Field(strict=False)
"""For an enum field of a strict model: accept its string values (strict mode insists on enum instances)."""


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


Moment = Annotated[AwareDatetime, AfterValidator(check_moment)]


def check_country(code: str) -> str:
    """ISO 3166-1 alpha-2, written in capitals."""
    upper = code.upper()
    if len(upper) != 2 or upper not in _country_codes():
        raise ValueError(_("not an ISO 3166-1 alpha-2 country code"))
    return upper


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of pycountry's database, read from its data file (`pycountry.DATABASE_DIR`):
    importing pycountry to ask it costs ~80 ms (it loads `importlib.metadata` for its version and makes an
    object of every country), the file is one JSON read (README, 'Speed'). Should the file move, pycountry answers."""
    import importlib.util
    import json

    spec = importlib.util.find_spec("pycountry")  # finds the package without running it
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    try:
        with open(Path(folders[0], "databases", "iso3166-1.json"), "rb") as file:
            return frozenset(str(country["alpha_2"]) for country in json.load(file)["3166-1"])
    except (IndexError, OSError, ValueError, KeyError, TypeError):
        import pycountry

        return frozenset(country.alpha_2 for country in pycountry.countries)


def check_nace_codes(codes: list[str]) -> list[str]:
    """Codes written like '12', '11.05' or '46.341' that exist in NACE Rev. 2 (SNI 2007)."""
    from westander_cli.screening.sectors import check_exists, from_sni

    codes = [from_sni(code.strip()) for code in codes]
    for code in codes:
        if not NACE_CODE.match(code):
            raise ValueError(_("'{code}' is not a NACE code like '12', '11.05', '46.341' or SNI '46341'").format(code=code))
        check_exists(code)
    return codes


_FORMATTED_ORG_NUMBER = re.compile(r"[0-9]{6}-[0-9]{4}")


def check_swedish_org_number(number: str) -> str:
    """Swedish organisation numbers carry a Luhn check digit; a typo is caught here.

    A number already written as python-stdnum formats it (NNNNNN-NNNN) with a correct check digit is
    returned as it is without asking stdnum (a tenth of the time: a first `status` reads 10,000); any other
    input, and every error message, is stdnum's.
    """
    if _FORMATTED_ORG_NUMBER.fullmatch(number) and _luhn_valid(number[:6] + number[7:]):
        return number
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.se import orgnr

    try:
        return str(orgnr.format(orgnr.validate(number)))
    except StdnumError as error:
        raise ValueError(_("not a valid Swedish organisation number: {value}").format(value=str(error).lower())) from None


def _luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits: every second digit from the right doubled (less 9 above 9)."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = ord(digit) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def swedish_org_number_if_se(number: str | None, info: ValidationInfo) -> str | None:
    """Checksum-validate org numbers of Swedish companies (country is validated before the number)."""
    if number is None or (info.data.get("country", "SE") or "SE") != "SE" or info.data.get("kind") in (OwnerKind.PERSON, OwnerKind.STATE):
        return number
    return check_swedish_org_number(number)


class Owner(Strict):
    name: ShortText
    kind: Annotated[OwnerKind, LAX] = OwnerKind.COMPANY
    country: str | None = None
    """None is unknown, never Swedish: the check warns and asks for it."""
    share: Annotated[float, Field(ge=0, le=100)] | None = None
    control: bool = False
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)


class Client(Strict):
    name: ShortText
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    kind: Annotated[ClientKind, LAX] = ClientKind.COMPANY
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
    relation: Annotated[Relation, LAX]
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None


def _no_device_name(engagement_id: str) -> str:
    """`store.check_id`'s second test, so that `check` refuses an id that `propose` would."""
    if WINDOWS_RESERVED.match(engagement_id):
        raise ValueError(_("'{engagement_id}' is a reserved device name on Windows; choose another id").format(engagement_id=engagement_id))
    return engagement_id


class Proposal(Strict):
    """A possible engagement as a consultant describes it (SPEC 2.3)."""

    id: Annotated[str, StringConstraints(pattern=SLUG), AfterValidator(_no_device_name)] | None = None
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


def check_ssh_key(text: str) -> str:
    """A whole SSH public key line; 'not a key', a truncated or a mistyped key is refused on load."""
    from westander_cli.keys import parse_public_key

    parse_public_key(text)
    return text.strip()


SshKey = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(check_ssh_key)]


class Language(StrEnum):
    SV = "sv"
    EN = "en"


class PersonKey(Strict):
    """One of a person's signing keys and when it may sign: rotated and revoked keys keep their history."""

    key: SshKey
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    """Exclusive: a key revoked at this moment signs nothing dated from it on."""

    @model_validator(mode="after")
    def _ordered(self) -> PersonKey:
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError(_("valid_until must be later than valid_from"))
        return self

    def valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (self.valid_until is None or at < self.valid_until)


class Person(Strict):
    id: PersonId
    name: ShortText
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    role: Annotated[Role, LAX] = Role.CONSULTANT
    business_area: Annotated[str, StringConstraints(max_length=200)] = ""
    active: bool = True
    language: Annotated[Language, LAX] | None = None
    """The language this person reads wst in, and gets messages in; else the firm's."""
    signing_key: SshKey | None = None
    """A key valid at all times (the simple form); `keys` holds keys with validity periods."""
    keys: Annotated[list[PersonKey], Field(max_length=100)] = []

    def all_keys(self) -> list[PersonKey]:
        """`signing_key` (valid always) and every entry of `keys`."""
        return ([PersonKey(key=self.signing_key)] if self.signing_key else []) + list(self.keys)

    def keys_valid_at(self, at: datetime) -> list[str]:
        """The public keys that may sign a record dated `at`."""
        return [k.key for k in self.all_keys() if k.valid_at(at)]


class People(Strict):
    person: Annotated[list[Person], Field(min_length=1, max_length=10_000)]

    @model_validator(mode="after")
    def _consistent(self) -> People:
        seen_ids: set[str] = set()
        seen_emails: set[str] = set()
        for person in self.person:
            if person.id in seen_ids:
                raise ValueError(_("person id '{id}' is used twice").format(id=person.id))
            if person.email.lower() in seen_emails:
                raise ValueError(_("email '{email}' is used twice").format(email=person.email))
            seen_ids.add(person.id)
            seen_emails.add(person.email.lower())
        if len(self.ceos()) != 1:
            raise ValueError(_("exactly one active person must have role 'ceo' (found {count})").format(count=len(self.ceos())))
        return self

    def ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.person)

    def ceos(self) -> frozenset[str]:
        """The active people with role `ceo`: one, once validated."""
        return frozenset(p.id for p in self.person if p.active and p.role == Role.CEO)

    def former_ceos(self) -> frozenset[str]:
        """People with role `ceo` who are no longer active."""
        return frozenset(p.id for p in self.person if not p.active and p.role == Role.CEO)

    def colleagues_of(self, lead: str) -> list[str]:
        """Everyone a proposal led by `lead` is for: every active person but the lead."""
        return [p.id for p in self.person if p.active and p.id != lead]


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class SmtpSettings(Strict):
    host: ShortText
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Annotated[SmtpSecurity, LAX] = SmtpSecurity.STARTTLS
    user: Annotated[str, StringConstraints(max_length=254)] = ""
    password_env: Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")] | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 20


class Channel(StrEnum):
    OUTBOX = "outbox"
    SMTP = "smtp"


RESERVED_FOLDERS = frozenset({"engagements", "registry", "policies", "firm.toml", "people.toml"})
"""What the data folder holds besides the outbox (dot-folders such as .git and .wst are refused too)."""


class NotifySettings(Strict):
    channels: Annotated[list[Annotated[Channel, LAX]], Field(min_length=1)] = [Channel.OUTBOX]
    sender: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] = "wst@localhost"
    outbox: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "outbox"
    remind_hours_before: Annotated[int, Field(ge=0, le=24 * 30)] = 24
    """`wst remind` reminds colleagues who have not responded once the deadline is this close."""
    smtp: SmtpSettings | None = None

    @model_validator(mode="after")
    def _smtp_configured(self) -> NotifySettings:
        if Channel.SMTP in self.channels and self.smtp is None:
            raise ValueError(_("channel 'smtp' needs a [notify.smtp] table"))
        return self

    @field_validator("outbox")
    @classmethod
    def _outbox_inside_data_folder(cls, value: str) -> str:
        """A relative folder inside the data folder: never absolute, never `..`, never wst's own folders."""
        parts = PurePosixPath(value.replace("\\", "/")).parts
        if value.startswith(("/", "\\", "~")) or PureWindowsPath(value).drive or not parts:
            raise ValueError(_("must be a relative folder inside the data folder, such as 'outbox'"))
        if ".." in parts or "." in value.replace("\\", "/").split("/"):
            raise ValueError(_("must stay inside the data folder: no '.' or '..' parts"))
        if parts[0] in RESERVED_FOLDERS or parts[0].startswith("."):
            raise ValueError(_("'{value}' is wst's own; the outbox needs a folder of its own, such as 'outbox'").format(value=parts[0]))
        return value


class SignatureRule(StrEnum):
    NONE = "none"
    CEO_DECISIONS = "ceo_decisions"
    ALL = "all"


class SignatureSettings(Strict):
    required: Annotated[SignatureRule, LAX] = SignatureRule.NONE
    """Which events must carry an SSH signature of their author: none, the CEO's decisions, or all."""

    def requires(self, kind: EventKind) -> bool:
        """Whether an event of this kind must be signed: asked when recording and when verifying."""
        return self.required == SignatureRule.ALL or (self.required == SignatureRule.CEO_DECISIONS and kind in CEO_DECISIONS)


class GitSettings(Strict):
    autocommit: bool = False
    """Commit each recorded event to the data folder's git repository, authored by the acting person."""


Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class PolicySettings(Strict):
    digest: Digest | None = None
    """The policy the firm uses (`wst policy list` prints its digest): `propose` refuses any other."""
    earlier: Annotated[list[Digest], Field(max_length=1000)] = []
    """Digests in force before: proposals made under them are not re-checked by `wst verify`."""


class Firm(Strict):
    name: ShortText
    language: Annotated[Language, LAX] = Language.SV
    review_hours: Annotated[int, Field(ge=1, le=24 * 60)] = 48
    review_counting: Annotated[Counting, Field(strict=False)] = Counting.CALENDAR
    """`working_time` stops the review clock over weekends and Swedish public holidays (`wst init` sets it)."""
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Europe/Stockholm"
    # Factories, not instances: an instance here would build four validators whenever this module is imported.
    notify: NotifySettings = Field(default_factory=NotifySettings)
    signatures: SignatureSettings = Field(default_factory=SignatureSettings)
    git: GitSettings = Field(default_factory=GitSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)

    _timezone = field_validator("timezone")(check_time_zone)


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
    WEBSITE_TEXT = "website_text"


CEO_DECISIONS = frozenset({EventKind.APPROVAL, EventKind.VETO, EventKind.LEAD_CHANGED})
"""The decisions only the CEO takes; firm.toml may require them to be signed."""
