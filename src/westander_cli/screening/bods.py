"""BODS 0.4 (Beneficial Ownership Data Standard) JSON read into registry entities and edges.

Every BODS file is opened through `open_bods`, so a bound on size or nesting applies at one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.model import check_country
from westander_cli.screening.ownership import UNDISCLOSED
from westander_cli.screening.sources import Edge, Entity, Parsed

CONTROL_INTERESTS = frozenset({"appointmentOfBoard", "controlViaCompanyRulesOrArticles", "controlByLegalFramework", "otherInfluenceOrControl"})
STATE_TYPES = frozenset({"state", "stateBody"})
ORG_NUMBER_SCHEMES = ("SE-BLV", "XI-LEI")
"""Identifier schemes read as the entity's number, in order of preference: the Swedish org number,
then the global LEI (20 characters, unique worldwide, so it can be matched without its scheme)."""


def open_bods(path: Path) -> Iterator[Any]:
    """The statements of a BODS file one at a time (ijson): a large registry is never held in memory."""
    import ijson

    from westander_cli import bounds

    bounds.check_json_file(path)  # size, kind of file and nesting, before any parser sees it
    try:
        with path.open("rb") as handle:
            start = handle.read(4096).lstrip()[:1]
            handle.seek(0)
            if start not in (b"[", b"{"):
                raise InvalidInput(_("{path}: not BODS JSON: expected a list of statements").format(path=path))
            count = 0
            for statement in ijson.items(handle, "item" if start == b"[" else "statements.item", use_float=True):
                count += 1
                yield statement
            if start == b"{" and count == 0:
                raise InvalidInput(_("{path}: not BODS JSON: expected a list of statements").format(path=path))
    except ijson.JSONError as error:
        raise InvalidInput(_("{path}: not BODS JSON: {value}").format(path=path, value=str(error).splitlines()[0][:200])) from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise InvalidInput(_("{path}: not BODS JSON: {error}").format(path=path, error=error)) from None


@dataclass
class _Relationship:
    subject: Any
    party: Any
    share_min: float | None
    share_max: float | None
    control: bool
    summary_only: bool


def today() -> str:
    """The date interests are judged at (ISO), from wst's clock so that WST_NOW moves it."""
    from westander_cli.clock import now

    return now().date().isoformat()


def parse_bods(path: Path) -> Parsed:
    """Read BODS 0.4 statements; what cannot be used is reported per statement, never guessed.

    A later statement of a record (by statementDate, then position) replaces an earlier one;
    `recordStatus = "closed"` removes the record. Interests are judged as of `today()`.
    """
    as_of = today()
    parsed = Parsed()
    latest: dict[str, tuple[str, int, Entity | _Relationship | None, list[str], str]] = {}
    for position, statement in enumerate(open_bods(path)):
        parsed.statements += 1
        if not isinstance(statement, dict):
            parsed.problems.append(_("{where}: not an object; skipped").format(where=f"statement {position + 1}"))
            continue
        where = f"statement {position + 1} ({statement.get('statementId', 'no statementId')})"
        record_id, record_type = statement.get("recordId"), statement.get("recordType")
        publication = statement.get("publicationDetails")
        version = publication.get("bodsVersion") if isinstance(publication, dict) else None
        if version is not None and version != "0.4":
            parsed.problems.append(_("{where}: bodsVersion {version!r}, not '0.4'; read as 0.4").format(where=where, version=version))
        if not isinstance(record_id, str) or record_type not in ("entity", "person", "relationship"):
            parsed.problems.append(_("{where}: needs recordId and recordType entity, person or relationship; skipped").format(where=where))
            continue
        details = statement.get("recordDetails")
        if not isinstance(details, dict):
            parsed.problems.append(_("{where}: no recordDetails; skipped").format(where=where))
            continue
        date = str(statement.get("statementDate") or "")
        if record_id in latest and (date, position) < latest[record_id][:2]:
            continue
        problems: list[str] = []
        record: Entity | _Relationship | None = None
        if statement.get("recordStatus") != "closed":
            if record_type == "entity":
                record = _bods_entity(record_id, details, where, problems)
            elif record_type == "person":
                record = _bods_person(record_id, details, where, problems)
            else:
                record = _bods_relationship(details, where, problems, as_of)
                for interest in details.get("interests") or []:
                    if isinstance(interest, dict):
                        parsed.dates.update(d[:10] for d in (interest.get("startDate"), interest.get("endDate")) if isinstance(d, str))
        latest[record_id] = (date, position, record, problems, where)
    for _date, _position, record, problems, _where in latest.values():
        parsed.problems.extend(problems)
        if isinstance(record, Entity):
            parsed.entities[record.key] = record
    for record_id, (_date, _position, record, _problems, where) in latest.items():
        if isinstance(record, _Relationship) and not record.summary_only:
            _link(parsed, record_id, record, where)
    return parsed


def _country_code(value: Any) -> str | None:
    code = value.get("code") if isinstance(value, dict) else None
    if not isinstance(code, str):
        return None
    try:
        return check_country(code[:2])
    except ValueError:
        return None


def _bods_entity(record_id: str, details: dict[str, Any], where: str, problems: list[str]) -> Entity | None:
    name = details.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_("{where}: entity without a name; skipped").format(where=where))
        return None
    entity_type = (details.get("entityType") or {}).get("type") if isinstance(details.get("entityType"), dict) else None
    country = _country_code(details.get("jurisdiction"))
    if country is None:
        problems.append(_("{where}: {name}: no usable jurisdiction code; its country is unknown").format(where=where, name=name))
    found = {str(i["scheme"]): str(i["id"]) for i in details.get("identifiers") or []
             if isinstance(i, dict) and i.get("scheme") in ORG_NUMBER_SCHEMES and i.get("id")}
    org_number = next((found[scheme] for scheme in ORG_NUMBER_SCHEMES if scheme in found), None)
    aliases = [a for a in (details.get("alternateNames") or []) if isinstance(a, str)]
    kind = "state" if entity_type in STATE_TYPES else UNDISCLOSED if entity_type in ("anonymousEntity", "unknownEntity") else "company"
    return Entity(record_id, name.strip(), kind, [country] if country else [], org_number, aliases)


def _bods_person(record_id: str, details: dict[str, Any], where: str, problems: list[str]) -> Entity:
    names = [n for n in details.get("names") or [] if isinstance(n, dict)]
    full = next((n.get("fullName") for n in names if n.get("fullName")), None)
    if details.get("personType") in ("anonymousPerson", "unknownPerson") or not full:
        return Entity(record_id, str(full or f"unknown person ({details.get('personType', 'unnamed')})"), UNDISCLOSED, [])
    countries = [c for c in (_country_code(n) for n in details.get("nationalities") or []) if c]
    if not countries:
        problems.append(_("{where}: {full}: no nationality; their country is unknown").format(where=where, full=full))
    return Entity(record_id, str(full), "person", countries, None, [str(n["fullName"]) for n in names[1:] if n.get("fullName")])


def _bods_relationship(details: dict[str, Any], where: str, problems: list[str], as_of: str) -> _Relationship:
    """Shares and control from the interests that hold on `as_of` (ended and future ones do not count).

    Control is read from the interest types for every kind of interested party: voting rights whose
    lower bound is above 50 % (an exclusive minimum of 50 counts), board appointment and the other
    control types. BODS sets `beneficialOwnershipOrControl` only for natural persons, so it is not asked.
    """
    subject = details.get("subject")
    if isinstance(subject, dict):
        subject = subject.get("describedByEntityStatement") or subject.get("recordId")
    share_min: float | None = None
    share_max: float | None = None
    control = False
    current = [i for i in details.get("interests") or [] if isinstance(i, dict) and _holds(i, as_of)]
    for interest in current:
        kind = interest.get("type")
        share = interest.get("share")
        bounds = _share_bounds(share)
        if bounds is None and isinstance(share, dict):
            problems.append(_("{where}: share {share} is not a range within 0-100; read as unknown").format(where=where, share=share))
        if kind == "shareholding" and bounds:
            share_min, share_max = bounds
        elif kind == "votingRights" and bounds and isinstance(share, dict):
            exclusive = "exact" not in share and "minimum" not in share and isinstance(share.get("exclusiveMinimum"), (int, float))
            if bounds[0] > 50 or (exclusive and bounds[0] >= 50):
                control = True
        elif kind in CONTROL_INTERESTS:
            control = True
    if not current and details.get("interests"):
        problems.append(_("{where}: every interest has ended or not yet started on {as_of}; not counted").format(where=where, as_of=as_of))
    summary_only = details.get("isComponent") is False and bool(details.get("componentRecords"))
    if not current and details.get("interests"):
        summary_only = True
    return _Relationship(subject, details.get("interestedParty"), share_min, share_max, control, summary_only)


def _holds(interest: dict[str, Any], as_of: str) -> bool:
    """An interest holds from its startDate (if given) until before its endDate (if given)."""
    start, end = interest.get("startDate"), interest.get("endDate")
    if isinstance(start, str) and start[:10] > as_of:
        return False
    return not (isinstance(end, str) and end[:10] <= as_of)


def _link(parsed: Parsed, record_id: str, relationship: _Relationship, where: str) -> None:
    """Turn a relationship into an edge between records of the file, reporting what cannot be used."""
    subject, party = relationship.subject, relationship.party
    if not isinstance(subject, str) or subject not in parsed.entities:
        parsed.problems.append(_("{where}: subject {subject!r} is not an entity in this file; skipped").format(where=where, subject=subject))
        return
    if isinstance(party, dict) and "reason" in party:
        owner_key = f"{record_id}:undisclosed"
        parsed.entities[owner_key] = Entity(owner_key, f"undisclosed owner ({party.get('reason')})", UNDISCLOSED, [])
        parsed.problems.append(_("{where}: the owner of {name} is declared unknown ({value}); kept as undisclosed").format(where=where, name=parsed.entities[subject].name, value=party.get('reason')))
        party = owner_key
    elif isinstance(party, dict):
        party = party.get("describedByPersonStatement") or party.get("describedByEntityStatement") or party.get("recordId")
    if not isinstance(party, str) or party not in parsed.entities:
        parsed.problems.append(_("{where}: interestedParty {party!r} is not a record in this file; skipped").format(where=where, party=party))
        return
    if relationship.share_min is None and not relationship.control:
        parsed.problems.append(_("{where}: {name} in {name2}: no share given; reported as unknown").format(where=where, name=parsed.entities[party].name, name2=parsed.entities[subject].name))
    parsed.edges.append(Edge(subject, party, relationship.share_min, relationship.share_max, relationship.control))


def _share_bounds(share: Any) -> tuple[float, float] | None:
    """(minimum, maximum) percent from exact / minimum / maximum / exclusiveMinimum / exclusiveMaximum."""
    if not isinstance(share, dict):
        return None
    values = {k: v for k, v in share.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if "exact" in values:
        low = high = float(values["exact"])
    else:
        low = float(values.get("minimum", values.get("exclusiveMinimum", 0.0)))
        high = float(values.get("maximum", values.get("exclusiveMaximum", 100.0)))
        if not ({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} & set(values)):
            return None
    if not (0 <= low <= high <= 100):
        return None
    return low, high


