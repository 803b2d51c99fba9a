"""`wst demo`: the whole intake process, played with narration on a copy of the example firm."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from westander_cli import i18n
from westander_cli.i18n import N_, _, ngettext
from westander_cli.render import one_line
from westander_cli.resources import shipped

CYKEL, NORDVIND, BATTERI = "2026-svensk-cykling-cykelvagar", "2026-nordvind-havsvind", "2026-nordic-cell-batterifabrik"


class Words(str):
    """An argument the people of the demo write themselves (a comment, a reason): said in the run's language."""


STEPS: list[tuple[str, str, list[str], int]] = [
    # (narration, WST_NOW, command, the exit code it must give); narration and Words are translated when played
    (N_("Anna has five requests on her desk. She checks them against the client policy; nothing is recorded."),
     "2026-12-01T08:00:00Z", ["check", "examples/cykel-clear.toml", "examples/nordvind-competitor.toml",
                              "examples/batteri-ownership.toml", "examples/dold-uppdragsgivare-forbidden.toml",
                              "examples/massaverken-opposing.toml"], 1),
    (N_("1. A clean proposal. Anna registers it; every colleague is informed at once (see the outbox)."),
     "2026-12-01T09:00:00Z", ["propose", "examples/cykel-clear.toml", "--as", "anna"], 0),
    (N_("Erik acknowledges, Sara comments. Too early for an offer: wst says exactly what is missing (exit 3)."),
     "2026-12-01T10:00:00Z", ["ack", CYKEL, "--as", "erik"], 0),
    ("", "2026-12-01T10:05:00Z", ["comment", CYKEL, Words(N_("A good engagement; I am happy to help with the municipalities in the west.")),
                                       "--as", "sara"], 0),
    ("", "2026-12-01T11:00:00Z", ["offer", CYKEL, "--as", "anna"], 3),
    (N_("A day before the deadline, the daily 'wst remind' reminds the two who have not responded (once)."),
     "2026-12-02T10:00:00Z", ["remind", "--as", "petra"], 0),
    ("", "2026-12-02T11:00:00Z", ["remind", "--as", "petra"], 0),
    (N_("48 hours later nobody has objected: lazy consensus clears it. Anna offers, and the client says yes."),
     "2026-12-03T09:30:00Z", ["offer", CYKEL, "--as", "anna"], 0),
    ("", "2026-12-04T09:00:00Z", ["won", CYKEL, "--as", "anna"], 0),
    (N_("2. A competitor of our client Vattenfall. Jonas proposes it with a reason for an exception; Sara objects."),
     "2026-12-05T09:00:00Z", ["propose", "examples/nordvind-competitor.toml", "--as", "jonas",
                              "--exception-reason", Words(N_("Offshore wind does not compete with Vattenfall's engagement on the grid."))], 0),
    ("", "2026-12-05T10:00:00Z", ["object", NORDVIND, "--reason", Words(N_("Vattenfall builds offshore wind too; a risk of a conflict of interest.")),
                                       "--as", "sara"], 0),
    (N_("The CEO decides the dispute, after consulting Vattenfall as the policy demands. The approval does not take the\n"
        "colleagues' time away: Jonas can offer once the 48-hour review period is over."),
     "2026-12-06T09:00:00Z", ["approve", NORDVIND, "--reason", Words(N_("Vattenfall does not mind the engagement.")),
                              "--consulted", Words(N_("Vattenfall AB=a call with the head of communications 2026-12-05")), "--as", "petra"], 0),
    ("", "2026-12-06T10:00:00Z", ["offer", NORDVIND, "--as", "jonas"], 3),
    ("", "2026-12-07T09:05:00Z", ["offer", NORDVIND, "--as", "jonas"], 0),
    (N_("3. A battery factory {share} owned from China. Sara asks for an exception; the CEO vetoes."),
     "2026-12-07T10:00:00Z", ["propose", "examples/batteri-ownership.toml", "--as", "sara",
                              "--exception-reason", Words(N_("A minority owner without a board seat."))], 0),
    ("", "2026-12-07T12:00:00Z", ["veto", BATTERI, "--reason", Words(N_("We decline companies with Chinese owners.")), "--as", "petra"], 0),
    (N_("The form for Volvo Car Sverige names only its Swedish parent. The ownership registry follows the chain to China:"),
     "2026-12-07T13:00:00Z", ["registry", "show", "Volvo Car Sverige AB"], 0),
    ("", "2026-12-07T13:00:00Z", ["check", "examples/volvo-chain.toml"], 3),
    (N_("4. Lobbying for a hidden principal: the policy forbids it, and nothing is stored (exit 1)."),
     "2026-12-08T09:00:00Z", ["propose", "examples/dold-uppdragsgivare-forbidden.toml", "--as", "erik"], 1),
    (N_("5. Svensk Cykling criticises a press release. Anna records it; the CEO is informed at once."),
     "2026-12-10T09:00:00Z", ["criticism", CYKEL, "--note", Words(N_("The client found the press release too cautious.")), "--as", "anna"], 0),
    (N_("What awaits the CEO, and every engagement of the firm:"), "2026-12-10T10:00:00Z", ["status", "--as", "petra"], 0),
    ("", "2026-12-10T10:00:00Z", ["list"], 0),
    (N_("The public client list for the website: the vetoed engagement never appears."), "2026-12-10T10:00:00Z", ["publish"], 0),
    (N_("CI's view: every record intact and every decision taken by someone allowed to take it."), "2026-12-10T10:00:00Z", ["verify"], 0),
]


def play(keep: Path | None, say: Callable[[str], None]) -> int:
    """Play every step on a copy of the example firm; `say` writes a line for the reader.
    Every command runs in the demo's language (WST_LANG), whoever plays the part."""
    from westander_cli.cli.app import main

    folder = keep if keep is not None else Path(tempfile.mkdtemp(prefix="wst-demo-"))
    data = folder / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(shipped("data"), data, ignore=shutil.ignore_patterns("outbox", ".wst", "seed"))
    say(_("The example firm is copied to {folder}; every command below runs there.").format(folder=data) + "\n")
    surprises = []
    try:
        with _env(WST_DATA=str(data), WST_LANG=i18n.current()), _cwd(data):
            for narration, moment, step, expected in STEPS:
                command = [_(arg) if isinstance(arg, Words) else arg for arg in step]
                if narration:
                    say(f"\n## {_(narration).format(share='30 %')}")
                say(f"$ WST_NOW={moment} wst {shlex.join(command)}")
                diagnostics = io.StringIO()
                with _env(WST_NOW=moment), contextlib.redirect_stderr(diagnostics):
                    code = main(command)
                sys.stdout.flush()
                for line in diagnostics.getvalue().splitlines():
                    say(f"  {line}")  # what wst said on stderr (a refusal says exactly what is missing)
                if code == expected:
                    say("  " + _("(exit {code})").format(code=code))
                else:
                    say("  " + _("(exit {code}, expected {expected})").format(code=code, expected=expected))
                    surprises.append(f"wst {shlex.join(command)}: " + _("exit {code}, expected {expected}").format(code=code, expected=expected))
        _show_outbox(data, say)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    for surprise in surprises:
        sys.stderr.write("wst: error: " + _("demo step failed: {step}").format(step=surprise) + "\n")
    return 1 if surprises else 0


def _show_outbox(data: Path, say: Callable[[str], None]) -> None:
    """Two delivered messages as a colleague's mail program shows them (headers decoded, text readable, the date in
    the firm's time): the first one written in the demo's language and the first one written in another."""
    import email
    import email.policy
    from email.message import EmailMessage

    messages = []
    for path in sorted((data / "outbox").rglob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    say("\n## " + ngettext(
        "The outbox: {count} message, one per colleague and event, each in its reader's language. "
        "The first one in this language, and the first one in another:",
        "The outbox: {count} messages, one per colleague and event, each in its reader's language. "
        "The first one in this language, and the first one in another:", len(messages)).format(count=len(messages)))
    own = [m for m in messages if m["Content-Language"] == i18n.current()][:1]
    other = [m for m in messages if m["Content-Language"] != i18n.current()][:1]
    for shown in own + other:
        say("")
        say(_("From: {sender}").format(sender=_one_line(shown["From"])))
        say(_("To: {recipient}").format(recipient=_one_line(shown["To"])))
        say(_("Subject: {subject}").format(subject=_one_line(shown["Subject"])))
        say(_("Date: {date}").format(date=i18n.local_time(shown["Date"].datetime)))
        say("")
        say(shown.get_content().rstrip("\n"))


def _one_line(header: object) -> str:
    """A header as a mail program shows it: unfolded, on one line."""
    return one_line(str(header))


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
