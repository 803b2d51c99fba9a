"""The names people read for the values machines use: states, verdicts, severities, roles and events.

JSON and files keep the enum values (`disputed`); tables, status lines and messages show these names,
in the run's language (`omstritt`). One table, so that every view calls a thing by the same name.
"""

from __future__ import annotations

from westander_cli.i18n import N_, _

_NAMES: dict[str, str] = {
    # states of an engagement (workflow.State)
    "state:proposed": N_("in review"),
    "state:disputed": N_("disputed"),
    "state:cleared": N_("cleared"),
    "state:offered": N_("offered"),
    "state:won": N_("won"),
    "state:lost": N_("lost"),
    "state:ended": N_("ended"),
    "state:vetoed": N_("vetoed"),
    "state:withdrawn": N_("withdrawn"),
    # verdicts of `wst check` (policy.engine.Verdict)
    "verdict:clear": N_("clear"),
    "verdict:needs_exception": N_("needs a CEO exception"),
    "verdict:forbidden": N_("forbidden"),
    # severities of a finding (policy.rules.Severity)
    "severity:forbid": N_("forbidden"),
    "severity:block": N_("blocks"),
    "severity:warn": N_("warning"),
    "severity:info": N_("note"),
    # roles (model.Role)
    "role:consultant": N_("consultant"),
    "role:business_area_manager": N_("business area manager"),
    "role:ceo": N_("CEO"),
    # events (model.EventKind): what was recorded
    "event:proposed": N_("proposal"),
    "event:informed": N_("colleagues informed"),
    "event:ack": N_("acknowledgement"),
    "event:comment": N_("comment"),
    "event:objection": N_("objection"),
    "event:objection_withdrawn": N_("objection withdrawn"),
    "event:opt_out": N_("personal decline"),
    "event:approval": N_("CEO approval"),
    "event:veto": N_("veto"),
    "event:withdrawn": N_("withdrawal"),
    "event:offer": N_("offer"),
    "event:won": N_("won"),
    "event:lost": N_("lost"),
    "event:ended": N_("ended"),
    "event:team": N_("working group"),
    "event:lead_changed": N_("new client lead"),
    "event:criticism": N_("criticism"),
    "event:website_text": N_("website text"),
}


def name(kind: str, value: str) -> str:
    """What people call `value` of `kind` (state, verdict, severity, role, event); the value itself if unnamed."""
    text = _NAMES.get(f"{kind}:{value}")
    return _(text) if text is not None else value


def state(value: str) -> str:
    return name("state", value)


def verdict(value: str) -> str:
    return name("verdict", value)


def severity(value: str) -> str:
    return name("severity", value)


def role(value: str) -> str:
    return name("role", value)


def event(value: str) -> str:
    return name("event", value)
