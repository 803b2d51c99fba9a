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

from westander_cli.i18n import N_, _, current
from westander_cli.resources import shipped

CYKEL, NORDVIND, BATTERI = "2026-svensk-cykling-cykelvagar", "2026-nordvind-havsvind", "2026-nordic-cell-batterifabrik"

STEPS: list[tuple[str, str, list[str], int]] = [
    # (narration, WST_NOW, command, the exit code it must give)
    (N_("Anna has five requests on her desk. She checks them against the client policy; nothing is recorded."),
     "2026-12-01T08:00:00Z", ["check", "examples/cykel-clear.toml", "examples/nordvind-competitor.toml",
                              "examples/batteri-ownership.toml", "examples/dold-uppdragsgivare-forbidden.toml",
                              "examples/massaverken-opposing.toml"], 1),
    (N_("1. A clean proposal. Anna registers it; every colleague is informed at once (see the outbox)."),
     "2026-12-01T09:00:00Z", ["propose", "examples/cykel-clear.toml", "--as", "anna"], 0),
    (N_("Erik acknowledges, Sara comments. Too early for an offer: wst says exactly what is missing (exit 3)."),
     "2026-12-01T10:00:00Z", ["ack", CYKEL, "--as", "erik"], 0),
    ("", "2026-12-01T10:05:00Z", ["comment", CYKEL, "Bra uppdrag, jag hjälper gärna till med kommunerna i väst.", "--as", "sara"], 0),
    ("", "2026-12-01T11:00:00Z", ["offer", CYKEL, "--as", "anna"], 3),
    (N_("A day before the deadline, the daily 'wst remind' reminds the two who have not responded (once)."),
     "2026-12-02T10:00:00Z", ["remind", "--as", "petra"], 0),
    ("", "2026-12-02T11:00:00Z", ["remind", "--as", "petra"], 0),
    (N_("48 hours later nobody has objected: lazy consensus clears it. Anna offers, and the client says yes."),
     "2026-12-03T09:30:00Z", ["offer", CYKEL, "--as", "anna"], 0),
    ("", "2026-12-04T09:00:00Z", ["won", CYKEL, "--as", "anna"], 0),
    (N_("2. A competitor of our client Vattenfall. Jonas proposes it with a reason for an exception; Sara objects."),
     "2026-12-05T09:00:00Z", ["propose", "examples/nordvind-competitor.toml", "--as", "jonas",
                              "--exception-reason", "Havsbaserad vind konkurrerar inte med Vattenfalls uppdrag om elnät."], 0),
    ("", "2026-12-05T10:00:00Z", ["object", NORDVIND, "--reason", "Vattenfall bygger också havsvind; risk för intressekonflikt.", "--as", "sara"], 0),
    (N_("The CEO decides the dispute, after consulting Vattenfall as the policy demands. The approval does not take the\n"
     "colleagues' time away: Jonas can offer once the 48-hour review period is over."),
     "2026-12-06T09:00:00Z", ["approve", NORDVIND, "--reason", "Vattenfall har inget emot uppdraget.",
                              "--consulted", "Vattenfall AB=samtal med kommunikationschefen 2026-12-05", "--as", "petra"], 0),
    ("", "2026-12-06T10:00:00Z", ["offer", NORDVIND, "--as", "jonas"], 3),
    ("", "2026-12-07T09:05:00Z", ["offer", NORDVIND, "--as", "jonas"], 0),
    (N_("3. A battery factory, 30 percent of it owned from China. Sara asks for an exception; the CEO vetoes."),
     "2026-12-07T10:00:00Z", ["propose", "examples/batteri-ownership.toml", "--as", "sara",
                              "--exception-reason", "Minoritetsägare utan styrelseplats."], 0),
    ("", "2026-12-07T12:00:00Z", ["veto", BATTERI, "--reason", "Vi tackar nej till företag med kinesiska ägare.", "--as", "petra"], 0),
    (N_("The form for Volvo Car Sverige names only its Swedish parent. The ownership registry follows the chain to China:"),
     "2026-12-07T13:00:00Z", ["registry", "show", "Volvo Car Sverige AB"], 0),
    ("", "2026-12-07T13:00:00Z", ["check", "examples/volvo-chain.toml"], 3),
    (N_("4. Lobbying for a hidden principal: the policy forbids it, and nothing is stored (exit 1)."),
     "2026-12-08T09:00:00Z", ["propose", "examples/dold-uppdragsgivare-forbidden.toml", "--as", "erik"], 1),
    (N_("5. Svensk Cykling criticises a press release. Anna records it; the CEO is informed at once."),
     "2026-12-10T09:00:00Z", ["criticism", CYKEL, "--note", "Kunden tyckte att pressmeddelandet var för försiktigt.", "--as", "anna"], 0),
    (N_("What awaits the CEO, and every engagement of the firm:"), "2026-12-10T10:00:00Z", ["status", "--as", "petra"], 0),
    ("", "2026-12-10T10:00:00Z", ["list"], 0),
    (N_("The public client list for the website: the vetoed engagement never appears."), "2026-12-10T10:00:00Z", ["publish"], 0),
    (N_("CI's view: every record intact and every decision taken by someone allowed to take it."), "2026-12-10T10:00:00Z", ["verify"], 0),
]


def play(keep: Path | None, say: Callable[[str], None]) -> int:
    """Play every step on a copy of the example firm; `say` writes a line for the reader."""
    from westander_cli.cli.app import main

    folder = keep if keep is not None else Path(tempfile.mkdtemp(prefix="wst-demo-"))
    data = folder / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(shipped("data"), data, ignore=shutil.ignore_patterns("outbox", ".wst", "seed"))
    say(_("The example firm is copied to {data}; every command below runs there.\n").format(data=data))
    surprises = []
    try:
        with _env(WST_DATA=str(data), WST_LANG=current()), _cwd(data):
            for narration, moment, command, expected in STEPS:
                if narration:
                    say(f"\n## {_(narration)}")
                say(f"$ WST_NOW={moment} wst {shlex.join(command)}")
                diagnostics = io.StringIO()
                with _env(WST_NOW=moment), contextlib.redirect_stderr(diagnostics):
                    code = main(command)
                sys.stdout.flush()
                for line in diagnostics.getvalue().splitlines():
                    say(f"  {line}")  # what wst said on stderr (a refusal says exactly what is missing)
                say("  " + (_("(exit {code})") if code == expected else _("(exit {code}, expected {expected})")).format(code=code, expected=expected))
                if code != expected:
                    surprises.append(f"wst {shlex.join(command)}: exit {code}, expected {expected}")
        _show_outbox(data, say)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    for surprise in surprises:
        sys.stderr.write(f"wst: error: demo step failed: {surprise}\n")
    return 1 if surprises else 0


def _show_outbox(data: Path, say: Callable[[str], None]) -> None:
    """The first delivered message as a colleague's mail program shows it (headers decoded, text readable)."""
    import email
    import email.policy
    from email.message import EmailMessage

    messages = sorted((data / "outbox").rglob("*.eml"))
    say("\n## " + _("The outbox: {count} messages, one per colleague and event, each in its reader's language. "
                    "The first one in this language, and the first one in another:").format(count=len(messages)))
    parsed = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in messages]
    own = [m for m in parsed if m["Content-Language"] == current()][:1]
    other = [m for m in parsed if m["Content-Language"] != current()][:1]
    for message in own + other:
        assert isinstance(message, EmailMessage)
        say("")
        for header in ("From", "To", "Subject", "Date"):
            say(f"{header}: {' '.join(str(message[header]).split())}")
        say("")
        say(message.get_content())


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
