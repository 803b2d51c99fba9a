"""`wst init` (a new data folder) and `wst demo` (the whole process on the example firm)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from westander_cli.errors import InvalidInput
from westander_cli.i18n import N_, _

FIRM_TEMPLATE = """\
name = "{firm}"
language = "sv"        # sv | en: the language of messages to colleagues
review_hours = 48      # how long colleagues have to object before lazy consensus clears a proposal
review_counting = "working_time"   # working_time: the clock stops over weekends and Swedish holidays | calendar
timezone = "Europe/Stockholm"

[notify]
channels = ["outbox"]  # outbox | smtp
sender = "wst@example.se"
outbox = "outbox"      # inside the data folder, never committed

# [notify.smtp]
# host = "smtp.example.se"
# port = 587
# security = "starttls"   # starttls | tls | none
# user = "wst@example.se"
# password_env = "WST_SMTP_PASSWORD"

[policy]
# The firm's policy: `wst propose` refuses any other. Change it only in a reviewed commit.
digest = "{policy_digest}"
"""

PEOPLE_TEMPLATE = """\
[[person]]
id = "{ceo_id}"
name = "{ceo_name}"
email = "{ceo_email}"
role = "ceo"
business_area = ""
active = true
"""


def register(app: typer.Typer) -> None:
    app.command("init", help=N_(
        "Create a new data folder: firm.toml, people.toml (with the CEO), and git settings.\n\n"
        "Example: wst init firma-data --firm \"Byrån AB\" --ceo-id petra --ceo-email petra@byran.se --ceo-key ~/.ssh/id_ed25519.pub"))(init)
    app.command("demo", help=N_(
        "Play the whole intake process on a copy of the example firm, with narration.\n\n"
        "Example: wst demo --keep /tmp/wst-demo"))(demo)


def init(
    folder: Annotated[Path, typer.Argument(help=N_("where to create the data folder"))] = Path("data"),
    firm: Annotated[str, typer.Option("--firm", help=N_("the firm's name"))] = "Min byrå AB",
    ceo_id: Annotated[str, typer.Option("--ceo-id", help=N_("the CEO's person id"))] = "vd",
    ceo_name: Annotated[str, typer.Option("--ceo-name", help=N_("the CEO's name"))] = "Vd",
    ceo_email: Annotated[str, typer.Option("--ceo-email", help=N_("the CEO's e-mail address"))] = "vd@example.se",
    ceo_key: Annotated[Path | None, typer.Option("--ceo-key", help=N_("the CEO's SSH public key file (e.g. ~/.ssh/id_ed25519.pub): CEO decisions must then be signed"))] = None,
) -> None:
    from westander_cli.model import Firm, People
    from westander_cli.store import DataFolder, write_once
    from westander_cli.tomlfile import load_model, parse_toml

    _require_folder_place(folder)
    if (folder / "firm.toml").exists() or (folder / "people.toml").exists():
        raise InvalidInput(_("{folder}: already holds a data folder (firm.toml or people.toml exists)").format(folder=folder))
    from westander_cli.policy.digest import policy_digest
    from westander_cli.policy.rules import load_policy
    from westander_cli.resources import shipped

    firm_text = FIRM_TEMPLATE.format(firm=firm.replace('"', "'"), policy_digest=policy_digest(load_policy(shipped("policies"))))
    people_text = PEOPLE_TEMPLATE.format(ceo_id=ceo_id, ceo_name=ceo_name.replace('"', "'"), ceo_email=ceo_email)
    if ceo_key is not None:
        key_line = _read_public_key(ceo_key)
        people_text += f'signing_key = "{key_line}"\n'
        firm_text += '\n[signatures]\nrequired = "ceo_decisions"   # none | ceo_decisions | all\n'
    load_model(parse_toml(Path("--firm"), firm_text), Firm)
    load_model(parse_toml(Path("--ceo-*"), people_text), People)
    folder.mkdir(parents=True, exist_ok=True)
    write_once(folder / "firm.toml", firm_text)
    write_once(folder / "people.toml", people_text)
    (folder / "engagements").mkdir(exist_ok=True)
    DataFolder(folder).ensure_ignores()
    sys.stdout.write(_("created {folder}: edit people.toml to add your colleagues, then 'wst --help'").format(folder=folder) + "\n")
    if ceo_key is None:
        sys.stdout.write(_("without signing keys anyone with a clone can write a CEO decision that 'wst verify' accepts;\n"
                           "  to require signed CEO decisions: wst init {folder} --ceo-key ~/.ssh/id_ed25519.pub").format(folder=folder) + "\n")
    else:
        sys.stdout.write(_("CEO decisions must be signed; approve the roster now (and after every change to people.toml\n"
                           "  roles or keys): WST_SIGNING_KEY=<private key> wst roster approve --data {folder} --as {ceo}").format(
            folder=folder, ceo=ceo_id) + "\n")


def _read_public_key(path: Path) -> str:
    """The first line of a .pub file, checked; a private key or a missing file is a usage error."""
    from westander_cli.keys import parse_public_key

    try:
        text = path.expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(_("--ceo-key: cannot read {path}: {error}").format(path=path, error=getattr(error, "strerror", None) or error)) from None
    if "PRIVATE KEY" in text:
        raise InvalidInput(_("--ceo-key: {path} is a private key; give the public key ({path}.pub)").format(path=path))
    try:
        return parse_public_key(text.splitlines()[0] if text else "").text
    except ValueError as error:
        raise InvalidInput(_("--ceo-key: {path}: {error}").format(path=path, error=error)) from None


def _require_folder_place(folder: Path) -> None:
    """The data folder must be a folder, or be creatable: not a file, a link, or below a file."""
    for place in (folder, *folder.parents):
        if place.is_symlink():
            if place == folder:
                raise InvalidInput(_("{folder}: is a symbolic link; wst does not follow links").format(folder=folder))
            continue  # a link higher up (such as /tmp on some systems) is the system's, not the firm's
        if place.exists():
            if not place.is_dir():
                if place == folder:
                    raise InvalidInput(_("{folder}: is a file, not a folder; choose another place for the data folder").format(folder=folder))
                raise InvalidInput(_("{folder}: is below {file}, which is a file, not a folder; choose another place for the data folder").format(
                    folder=folder, file=place))
            return


def demo(
    keep: Annotated[Path | None, typer.Option("--keep", help=N_("play in this folder and keep it (default: a temporary folder)"))] = None,
) -> int:
    from westander_cli.demo import play

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    return play(keep, say)
