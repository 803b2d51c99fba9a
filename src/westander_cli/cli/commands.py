"""Every command of wst: the module that declares it and what `wst --help` says of it in a line.

`wst --help` lists the commands from this table, and a command's module is imported only when the
command runs: a run pays for Typer building one command, not thirty (bench/RESULTS.md). A test
checks that every module registers exactly the commands this table gives it.
"""

from __future__ import annotations

from westander_cli.i18n import N_

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module in westander_cli.cli, summary for `wst --help`)
    "new": ("new", N_("start a proposal: answer the policy's questions")),
    "check": ("check", N_("judge proposals against the policy; records nothing")),
    "propose": ("process", N_("register an engagement and inform every colleague")),
    "ack": ("process", N_("seen, no objection")),
    "comment": ("process", N_("a view on the engagement; not an objection")),
    "object": ("process", N_("object, decline personally, or withdraw an objection")),
    "approve": ("process", N_("CEO: decide a dispute, grant an exception")),
    "veto": ("process", N_("CEO: decline the engagement for good")),
    "withdraw": ("process", N_("client lead: withdraw the proposal")),
    "offer": ("process", N_("client lead: make the offer once it is cleared")),
    "won": ("process", N_("client lead: the client accepted")),
    "lost": ("process", N_("client lead: the client declined the offer")),
    "end": ("process", N_("client lead: the engagement has ended")),
    "team": ("process", N_("client lead: the working group")),
    "assign": ("process", N_("CEO: appoint a new client lead")),
    "criticism": ("process", N_("client lead: record criticism, inform the CEO")),
    "notify": ("process", N_("client lead: deliver what has not been delivered")),
    "remind": ("process", N_("daily: remind, tell of clearance, retry deliveries")),
    "amend-text": ("process", N_("client lead: revise the website text")),
    "list": ("views", N_("every engagement with its state")),
    "show": ("views", N_("one engagement and what it still needs")),
    "log": ("views", N_("an engagement's history, event by event")),
    "status": ("views", N_("what awaits me")),
    "validate": ("records", N_("schema and consistency of policies and data")),
    "verify": ("records", N_("integrity and authorisation of every record")),
    "publish": ("records", N_("the public client list for the website")),
    "report": ("records", N_("intake statistics")),
    "policy": ("check", N_("the client policy's rules and their sources")),
    "registry": ("registry", N_("ownership data and ownership trees")),
    "roster": ("roster", N_("the CEO-approved roster of people and keys")),
    "init": ("setup", N_("create a new data folder")),
    "demo": ("setup", N_("play the whole intake process on an example firm")),
}
