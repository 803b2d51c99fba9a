"""The roster as part of the record: CEO-signed approvals of the security-relevant settings.

Who is CEO, who is active, everyone's keys, the signature requirement and the review period decide
what `verify` accepts, so changing them is itself recorded: `wst roster approve` writes one file
per approval under `<data>/roster/`, named by its content hash, following the previous one, holding
a copy of that content. Each approval is signed by a key of the CEO of the roster it follows (the
first by the CEO it names), so a consultant who makes himself CEO, swaps a key or lowers the
requirement produces a people.toml/firm.toml that no valid approval covers, and `problems` says so.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from westander_cli.clock import check_moment, utc_text
from westander_cli.errors import InvalidInput, NotPermitted, NotYet, WstError
from westander_cli.i18n import _
from westander_cli.model import Firm, People, Person, PersonKey, Role, SignatureRule, SignatureSettings
from westander_cli.tomlfile import read_toml

FOLDER = "roster"
_STRICTNESS = {SignatureRule.NONE: 0, SignatureRule.CEO_DECISIONS: 1, SignatureRule.ALL: 2}


def security_content(firm: Firm, people: People) -> dict[str, Any]:
    """What an approval covers: settings and, per person, role, activity and keys (names and emails are free)."""
    return {
        "signatures": {"required": firm.signatures.required.value},
        "review_hours": firm.review_hours,
        "review_counting": firm.review_counting.value,
        "policy": firm.policy.digest or "",
        "people": [
            {"id": p.id, "role": p.role.value, "active": p.active,
             "keys": [_key_entry(k) for k in p.all_keys()]}
            for p in sorted(people.person, key=lambda p: p.id)
        ],
    }


def _key_entry(key: PersonKey) -> dict[str, str]:
    from westander_cli.keys import parse_public_key

    entry = {"key": parse_public_key(key.key).text}
    if key.valid_from:
        entry["valid_from"] = utc_text(key.valid_from)
    if key.valid_until:
        entry["valid_until"] = utc_text(key.valid_until)
    return entry


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Approval:
    """One approved roster, as read from its file."""

    path: Path
    hash: str
    at: datetime
    by: str
    follows: list[str]
    content: dict[str, Any]
    signature: str

    @property
    def required(self) -> SignatureRule:
        return SignatureRule(self.content["signatures"]["required"])

    def ceo(self) -> Person | None:
        """The CEO this roster names, with the keys it approved."""
        for entry in self.content["people"]:
            if entry["role"] == Role.CEO.value and entry["active"]:
                return _person(entry)
        return None


def _person(entry: dict[str, Any]) -> Person:
    keys = [PersonKey(key=k["key"], valid_from=_parse_time(k.get("valid_from")), valid_until=_parse_time(k.get("valid_until")))
            for k in entry["keys"]]
    return Person(id=entry["id"], name=entry["id"], email=f"{entry['id']}@roster.invalid", role=Role(entry["role"]),
                  active=entry["active"], keys=keys)


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def record_content(approval_at: datetime, by: str, follows: list[str], content: dict[str, Any]) -> dict[str, Any]:
    return {"at": utc_text(approval_at), "by": by, "follows": sorted(follows), "digest": digest(content), "content": content}


def read_approvals(data_root: Path) -> tuple[list[Approval], list[str]]:
    """Every approval file that parses and matches its hash, and a problem for each one that does not."""
    folder = data_root / FOLDER
    approvals: list[Approval] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            data = read_toml(path, _("roster approval")).data
            record = {k: data[k] for k in ("at", "by", "follows", "digest", "content")}
            at = data["at"] if isinstance(data["at"], datetime) else _parse_time(str(data["at"]))
            assert at is not None and at.tzinfo is not None
            record["at"] = utc_text(check_moment(at))
            expected = digest(record)
            if data.get("hash") != expected or record["digest"] != digest(record["content"]):
                problems.append(_("{path}: edited: the content does not match the hash it was approved with").format(path=path))
                continue
            _check_content(record["content"])
            if not isinstance(data["follows"], list) or not all(isinstance(h, str) for h in data["follows"]):
                raise ValueError("follows")
            if not path.name.endswith(f"-{expected[:12]}.toml"):
                problems.append(_("{path}: renamed: an approval with this content ends in -{value}.toml").format(path=path, value=expected[:12]))
            approvals.append(Approval(path, expected, at, str(data["by"]), list(data["follows"]), dict(data["content"]), str(data.get("signature", ""))))
        except WstError as error:
            problems.append(str(error))
        except (KeyError, TypeError, ValueError, AssertionError):
            problems.append(_("{path}: not a roster approval (at, by, follows, digest, content, hash, signature)").format(path=path))
    return approvals, problems


def _check_content(content: Any) -> None:
    """The approved copy has the shape `security_content` writes; a ValueError (or KeyError/TypeError) if not."""
    required, optional = {"signatures", "review_hours", "people"}, {"review_counting", "policy"}
    if not isinstance(content, dict) or not required <= set(content) <= required | optional:
        raise ValueError("content")
    if not all(isinstance(content.get(key, ""), str) for key in optional):
        raise ValueError("content")
    SignatureRule(content["signatures"]["required"])
    if not isinstance(content["review_hours"], int) or not isinstance(content["people"], list):
        raise ValueError("content")
    for entry in content["people"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("keys"), list):
            raise ValueError("person")
        _person(entry)


def _signer_for(approval: Approval, by_hash: dict[str, Approval]) -> list[Approval]:
    """The rosters whose CEO must have signed: the ones it follows, or itself for the first."""
    return [by_hash[h] for h in approval.follows if h in by_hash] if approval.follows else [approval]


def _check_chain(approvals: list[Approval]) -> list[str]:
    from westander_cli import signing

    problems: list[str] = []
    by_hash = {a.hash: a for a in approvals}
    roots = [a for a in approvals if not a.follows]
    if approvals and len(roots) != 1:
        problems.append(_("{parent}: {count} first approvals; the roster has exactly one start").format(parent=approvals[0].path.parent, count=len(roots)))
    for approval in approvals:
        for previous in approval.follows:
            if previous not in by_hash:
                problems.append(_("{path}: follows approval {value}, which is missing (deleted?)").format(path=approval.path, value=previous[:12]))
            elif by_hash[previous].at > approval.at:
                problems.append(_("{path}: dated {iso}, before the approval {value} it follows").format(path=approval.path, iso=utc_text(approval.at), value=previous[:12]))
        for earlier in _signer_for(approval, by_hash):
            ceo = earlier.ceo()
            if ceo is None or ceo.id != approval.by:
                problems.append(_("{path}: approved by {by}, who is not the CEO of the roster it follows").format(path=approval.path, by=approval.by)
                                + (f" ({ceo.id} is)" if ceo else ""))
                continue
            error = signing.check_signed_by(ceo, approval.hash, approval.signature, approval.at, signing.ROSTER_NAMESPACE)
            if error:
                problems.append(_("{path}: bad signature: {error}").format(path=approval.path, error=error))
    return problems


def heads(approvals: list[Approval]) -> list[Approval]:
    followed = {h for a in approvals for h in a.follows}
    return sorted((a for a in approvals if a.hash not in followed), key=lambda a: (a.at, a.hash))


def problems(data_root: Path, firm: Firm, people: People) -> list[str]:
    """What `verify` reports about the roster: a broken or unsigned chain, or current settings no approval covers."""
    approvals, found = read_approvals(data_root)
    found += _check_chain(approvals)
    newest = heads(approvals)
    current = security_content(firm, people)
    if len(newest) > 1:
        found.append(_("{value}: {count} newest approvals (approved concurrently); the CEO runs 'wst roster approve' to join them").format(value=data_root / FOLDER, count=len(newest)))
    if not newest:
        if firm.signatures.required != SignatureRule.NONE:
            found.append(_("{value}: signatures are required, but no roster approval exists under {folder}/; the CEO runs 'wst roster approve'").format(value=data_root / 'firm.toml', folder=FOLDER))
        return found
    if all(a.required == SignatureRule.NONE for a in newest) and firm.signatures.required == SignatureRule.NONE:
        return found  # signatures off, by an approved decision: the roster binds nothing
    if not any(a.content == current for a in newest):
        for difference in describe_changes(newest[-1].content, current):
            found.append(_("{difference} (not approved by the CEO: 'wst roster approve')").format(difference=difference))
    return found


def describe_changes(approved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One line per security-relevant difference, naming the file and the field."""
    out = []
    if approved["signatures"] != current["signatures"]:
        out.append(_("firm.toml: signatures.required is '{value}', approved '{value2}'").format(value=current['signatures']['required'], value2=approved['signatures']['required']))
    if approved["review_hours"] != current["review_hours"]:
        out.append(_("firm.toml: review_hours is {value}, approved {value2}").format(value=current['review_hours'], value2=approved['review_hours']))
    for setting in ("review_counting", "policy"):  # absent from approvals made before they were covered
        if approved.get(setting, current[setting]) != current[setting]:
            shown = "policy.digest" if setting == "policy" else setting
            out.append(_("firm.toml: {shown} is {value!r}, approved {value2!r}").format(shown=shown, value=current[setting], value2=approved[setting]))
    before = {p["id"]: p for p in approved["people"]}
    after = {p["id"]: p for p in current["people"]}
    for person_id in sorted(before.keys() | after.keys()):
        old, new = before.get(person_id), after.get(person_id)
        if old is None:
            out.append(_("people.toml: {person_id} is not in the approved roster").format(person_id=person_id))
        elif new is None:
            out.append(_("people.toml: {person_id} was removed from the approved roster").format(person_id=person_id))
        else:
            for field in ("role", "active", "keys"):
                if old[field] != new[field]:
                    shown = _("changed") if field == "keys" else _("is {value!r}, approved {value2!r}").format(value=new[field], value2=old[field])
                    out.append(_("people.toml: {person_id}: {field} {shown}").format(person_id=person_id, field=field, shown=shown))
    return out


@dataclass(frozen=True)
class ApprovedSettings:
    signatures: SignatureSettings
    review_hours: int


def approved_settings(data_root: Path) -> ApprovedSettings | None:
    """The newest approved signature requirement and review period (the strictest where approvals fork), or None."""
    newest = in_force(read_approvals(data_root)[0])
    required, review_hours = strictest(newest), longest_review(newest)
    if required is None or review_hours is None:
        return None
    return ApprovedSettings(SignatureSettings(required=required), review_hours)


def in_force(approvals: list[Approval], moment: datetime | None = None) -> list[Approval]:
    """The newest of the approvals made at or before `moment` (of them all, without one)."""
    return heads(approvals if moment is None else [a for a in approvals if a.at <= moment])


def strictest(approvals: list[Approval]) -> SignatureRule | None:
    """The strictest signature rule the approvals require (where they fork, the strictest counts); None: no approval."""
    return max((a.required for a in approvals), key=_STRICTNESS.__getitem__, default=None)


def longest_review(approvals: list[Approval]) -> int | None:
    """The review period the approvals require in hours (where they fork, the longest counts); None: no approval."""
    return max((int(a.content["review_hours"]) for a in approvals), default=None)


def ceos_of(approvals: list[Approval]) -> frozenset[str] | None:
    """The CEOs the approvals name; None where there is no approval."""
    return frozenset(ceo.id for a in approvals if (ceo := a.ceo()) is not None) if approvals else None


def stricter(rule: SignatureRule, floor: SignatureRule | None) -> SignatureRule:
    return rule if floor is None or _STRICTNESS[rule] >= _STRICTNESS[floor] else floor


def effective_signatures(firm: Firm, approvals: list[Approval]) -> SignatureSettings:
    """What gates should require: firm.toml's setting, never below the newest approved one."""
    required = stricter(firm.signatures.required, strictest(in_force(approvals)))
    return firm.signatures if required == firm.signatures.required else SignatureSettings(required=required)


def approve(data_root: Path, firm: Firm, people: People, actor: Person, at: datetime) -> Path:
    """Sign and write a new approval of the current settings, following the newest one(s)."""
    from westander_cli import signing

    approvals, broken = read_approvals(data_root)
    if broken:
        raise NotYet(_("the roster has problems; fix them first: {value}").format(value=broken[0]))
    newest = heads(approvals)
    content = security_content(firm, people)
    if len(newest) == 1 and newest[0].content == content:
        raise NotYet(_("nothing to approve: people.toml and firm.toml match the newest approved roster"))
    signers = [a.ceo() for a in newest] if newest else [next(p for p in people.person if p.active and p.role == Role.CEO)]
    for ceo in signers:
        if ceo is None or ceo.id != actor.id:
            raise NotPermitted(_("only {value}, the CEO of the approved roster, can approve a change to it (a hand-over is approved by the outgoing CEO); nothing was written").format(value=ceo.id if ceo else 'the CEO'))
    named_ceo = next(p for p in people.person if p.active and p.role == Role.CEO)
    if not named_ceo.keys_valid_at(at):
        raise InvalidInput(_("people.toml: {id}, the CEO, needs a signing key (signing_key or [[person.keys]]) so that the next change can be approved; nothing was written").format(id=named_ceo.id))
    record = record_content(at, actor.id, [a.hash for a in newest], content)
    record_hash = digest(record)
    signer = signers[0]
    assert signer is not None
    signature = signing.sign_as(signer, record_hash, at, signing.ROSTER_NAMESPACE)
    import tomli_w

    text = ("# A CEO-signed approval of the security-relevant content of people.toml and firm.toml (wst roster approve).\n"
            + tomli_w.dumps({**record, "hash": record_hash, "signature": signature}, multiline_strings=True))
    folder = data_root / FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / f"{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{record_hash[:12]}.toml"
    scratch = folder / f".{path.name}.{os.getpid()}"
    scratch.write_text(text, encoding="utf-8")
    try:
        os.link(scratch, path)
    except FileExistsError:
        raise InvalidInput(_("{path}: already exists").format(path=path)) from None
    finally:
        scratch.unlink()
    return path


def approved_people(data_root: Path) -> dict[str, Person] | None:
    """Everyone as the newest approval has them (id, role, active, keys; names are not approved), or None.

    Gates that must not trust a locally edited people.toml check signatures against these persons.
    Where approvals fork, the newest by time counts (and `problems` reports the fork).
    """
    approvals, _ = read_approvals(data_root)
    newest = heads(approvals)
    if not newest:
        return None
    return {entry["id"]: _person(entry) for entry in newest[-1].content["people"]}
