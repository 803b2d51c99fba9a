"""wst's benchmark: synthetic firms of several sizes, medians over repeated runs, ratios to floors.

Run from the repository root with wst installed:  python bench/run.py [--quick] [--runs N] [--sizes 10000]
Writes bench/RESULTS.md. Every figure is the median CPU time (user + system, from wait4) of running
the real `wst` in a subprocess, so that other work on a shared machine does not move it; peak memory
is the child's maximum resident set size. The measured processes run without PYTHONDONTWRITEBYTECODE
and each command is run once before it is measured, so bytecode is cached as on a user's machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import tomli_w

from westander_cli.events import Ack, BaseEvent, Comment, Informed, Offer, Proposed, Won
from westander_cli.model import Proposal
from westander_cli.store import DataFolder, event_file_name, event_text, seal

REPO = Path(__file__).resolve().parent.parent
WST = str(Path(sys.executable).parent / "wst")
NOW = "2026-12-01T09:00:00Z"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
def _classes() -> list[str]:
    from westander_cli.screening.sectors import titles

    return [code for code in titles() if len(code) == 5]


CLASSES = _classes()
"""Every NACE class: synthetic clients spread over all 615, as a real firm's would be."""
WORDS = ["Nord", "Syd", "Öst", "Väst", "Berg", "Sjö", "Skog", "Sol", "Vind", "Stål", "Data", "Bygg", "Kraft", "Vatten",
         "Energi", "Media", "Hälsa", "Trafik", "Mat", "Miljö", "Fjäll", "Dal", "Strand", "Ljus", "Norr", "Lind", "Ek", "Björk"]


def org_number(n: int) -> str:
    base = f"556{n:06d}"[:9]
    digits = [int(d) for d in base]
    total = sum(d if i % 2 else (d * 2 if d * 2 < 10 else d * 2 - 9) for i, d in enumerate(digits))
    return f"{base[:6]}-{base[6:]}{(10 - total % 10) % 10}"


def company_name(n: int, rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(WORDS)} {n} AB"


# --- synthetic data -------------------------------------------------------------------------


def make_firm(root: Path, engagements: int, registry_companies: int, seed: int = 7) -> Path:
    """A data folder with `engagements` engagements of ~5 events and a registry of companies."""
    rng = random.Random(seed)
    data = root / f"firm-{engagements}-{registry_companies}"
    if data.exists():
        return data
    (data / "engagements").mkdir(parents=True)
    shutil.copy(REPO / "data" / "firm.toml", data / "firm.toml")
    people = [{"id": "ceo", "name": "Vd", "email": "ceo@bench.se", "role": "ceo", "business_area": "", "active": True}]
    people += [{"id": f"p{i:02d}", "name": f"Konsult {i}", "email": f"p{i}@bench.se", "role": "consultant",
                "business_area": "", "active": True} for i in range(29)]
    (data / "people.toml").write_text(tomli_w.dumps({"person": people}), encoding="utf-8")
    ids = [p["id"] for p in people]
    for n in range(engagements):
        lead = rng.choice(ids[1:])
        colleagues = [i for i in ids if i != lead]
        engagement_id = f"2026-bench-{n:05d}"
        proposal = {
            "id": engagement_id, "title": f"Uppdrag {n}", "description": "Syntetiskt uppdrag för mätning.",
            "website_text": "", "lead": lead, "political_influence": False, "transparency_accepted": False,
            "on_behalf_of": "", "principal_disclosed": True, "election_campaign": False, "estimated_value_sek": 0.0,
            "client": {"name": company_name(n, rng), "country": "SE", "org_number": org_number(100_000 + n),
                       "kind": "company", "sectors": [rng.choice(CLASSES)], "environmental_responsibility": ["ISO 14001"],
                       "aliases": [], "owners": []},
            "counterparties": [{"name": company_name(rng.randrange(engagements), rng), "relation": "competitor"}] if n % 7 == 0 else [],
        }
        folder = data / "engagements" / engagement_id
        (folder / "events").mkdir(parents=True)
        at = T0 + timedelta(minutes=n)
        root = seal(Proposed(at=at, by=lead, lead=lead, colleagues=colleagues, review_deadline=at + timedelta(hours=48),
                             findings=[], proposal=Proposal.model_validate(proposal), ceo="ceo", channels=["outbox"],
                             review_hours=48))
        events: list[BaseEvent] = [root]
        later: list[BaseEvent] = [Informed(at=at, by=lead, recipients=colleagues, channel="outbox", about=root.id),
                                  Ack(at=at, by=rng.choice(colleagues)), Comment(at=at, by=rng.choice(colleagues), text="Bra.")]
        if n % 3:
            later += [Offer(at=at, by=lead), Won(at=at, by=lead)]
        for step, event in enumerate(later, start=1):
            events.append(event.model_copy(update={"at": at + timedelta(hours=step * 24)}))
        previous: list[str] = []
        for event in events:
            sealed = seal(event.model_copy(update={"follows": previous}))
            previous = [str(sealed.hash)]
            name = f"{sealed.at:%Y%m%dT%H%M%S%fZ}-{sealed.kind.value}-{str(sealed.hash)[:12]}.toml"
            (folder / "events" / name).write_text(event_text(sealed), encoding="utf-8")
    DataFolder(data).ensure_ignores()  # as wst writes them: the index under .wst/ never goes into git
    (data / "registry").mkdir()
    (data / "registry" / "bench.bods.json").write_text(json.dumps(bods_registry(registry_companies, rng)), encoding="utf-8")
    return data


def bods_registry(companies: int, rng: random.Random) -> list[dict[str, object]]:
    """Companies owned in chains of up to four levels; one in fifty chains ends in China or Russia."""
    statements: list[dict[str, object]] = []
    for n in range(companies):
        country = "SE" if n % 50 else rng.choice(["CN", "RU"])
        statements.append({"statementId": f"e{n}", "recordId": f"c{n}", "recordType": "entity", "statementDate": "2026-01-01",
                           "recordDetails": {"isComponent": False, "entityType": {"type": "registeredEntity"},
                                             "name": f"Registerbolag {n} {rng.choice(WORDS)} AB", "jurisdiction": {"code": country},
                                             "identifiers": [{"scheme": "SE-BLV", "id": org_number(500_000 + n)}]}})
    for n in range(companies):
        if n % 4 == 3:
            continue
        owner = n + 1 + rng.randrange(3)
        if owner < companies:
            statements.append({"statementId": f"r{n}", "recordId": f"rel{n}", "recordType": "relationship", "statementDate": "2026-01-01",
                               "recordDetails": {"isComponent": False, "subject": f"c{n}", "interestedParty": f"c{owner}",
                                                 "interests": [{"type": "shareholding", "directOrIndirect": "direct",
                                                                "share": {"exact": rng.choice([100, 78.7, 51, 30, 8.4])}}]}})
    return statements


def proposals(folder: Path, count: int, registry_companies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    paths = []
    for n in range(count):
        owner = rng.randrange(max(registry_companies, 1))
        data = {"title": f"Förfrågan {n}", "description": "Mätning.",
                "client": {"name": f"Ny Kund {n} AB", "org_number": org_number(900_000 + n), "sectors": [rng.choice(CLASSES)],
                           "environmental_responsibility": ["ISO 14001"],
                           "owners": [{"name": f"Registerbolag {owner}", "org_number": org_number(500_000 + owner), "share": 60.0}]}}
        path = folder / f"p{n:04d}.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        paths.append(path)
    return paths


def generate(root: Path, engagements: int, registry_companies: int) -> Path:
    """Generate in a child process, so that this process stays small: a child forked from a large
    parent would report the parent's memory as its own peak."""
    subprocess.run([sys.executable, __file__, "--generate", str(root), str(engagements), str(registry_companies)], check=True)
    return root / f"firm-{engagements}-{registry_companies}"


# --- measuring ------------------------------------------------------------------------------


def measure(command: Sequence[str], runs: int, env: dict[str, str], ok: Sequence[int] = (0,),
            before: Callable[[], object] | None = None, walls: list[float] | None = None) -> tuple[float, float]:
    """Median CPU time in ms (with that of the worker processes a run forks) and peak RSS in MB over `runs` runs;
    `before` runs ahead of each (an after-pull case); `walls` collects each run's wall time in ms."""
    times, peaks = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        if walls is not None:
            walls.append((time.perf_counter() - started) * 1000)
        times.append((usage.ru_utime + usage.ru_stime) * 1000)
        peaks.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            raise SystemExit(f"{' '.join(command)} exited {code}: {process.stderr.read().decode() if process.stderr else ''}")
    return statistics.median(times), max(peaks)


def against(command: Sequence[str], floor: Sequence[str], pairs: int, env: dict[str, str],
            ok: Sequence[int] = (0,), before: Callable[[], object] | None = None) -> tuple[tuple[float, float], float]:
    """`floor` and `command` run alternately, `pairs` times (`before` ahead of each run of `command`: a pull, whose
    floor is the same command with everything current): the command's median CPU time and peak, and the median
    of each pair's ratio. This machine's speed drifts by tens of percent within a minute, so a ratio of two
    medians taken apart moves with it; a ratio of neighbours does not."""
    times, peaks, ratios = [], [], []
    for _ in range(pairs):
        base = measure(floor, 1, env, ok)[0]
        spent, peak = measure(command, 1, env, ok, before)
        times.append(spent)
        peaks.append(peak)
        ratios.append(spent / base)
    return (statistics.median(times), max(peaks)), statistics.median(ratios)


def add_comments(data: Path, ids: Sequence[str], at: datetime, text: str) -> None:
    """A comment on each engagement, following its newest event: what a pull brings."""
    folder = DataFolder(data)
    for engagement_id in ids:
        record = folder.read_folder(engagement_id)[0]
        event = seal(Comment(at=at, by="ceo", text=text, follows=[record.events[-1].id]))
        (data / "engagements" / engagement_id / "events" / event_file_name(event)).write_text(event_text(event), encoding="utf-8")


def git(data: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=data, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"})


def pull_changes(data: Path, size: int) -> tuple[Callable[[], None], ...]:
    """What a pull changes, one kind per function; each call makes a new change and waits out the racy window."""
    pulls = iter(range(1_000_000))
    run = time.time_ns()  # a kept firm (--keep) already holds the colleagues of earlier runs

    def new_colleague() -> None:
        with (data / "people.toml").open("a", encoding="utf-8") as people:
            n = f"{run}-{next(pulls)}"
            people.write(f'\n[[person]]\nid = "new{n}"\nname = "Ny {n}"\nemail = "new{n}@bench.se"\nrole = "consultant"\nbusiness_area = ""\nactive = true\n')
        time.sleep(3.5)

    def firm_edit() -> None:
        with (data / "firm.toml").open("a", encoding="utf-8") as firm:
            firm.write(f"# edit {next(pulls)}\n")
        time.sleep(3.5)

    def one_percent() -> None:
        start = next(pulls) * (size // 100) % size
        add_comments(data, [f"2026-bench-{n % size:05d}" for n in range(start, start + size // 100)], T0 + timedelta(days=300), "Efter pull.")
        time.sleep(3.5)

    def registry_file() -> None:
        n = next(pulls)
        (data / "registry" / f"pulled-{run}-{n}.toml").write_text(f'[[entity]]\nname = "Hämtat Bolag {n} AB"\ncountry = "NO"\n', encoding="utf-8")
        time.sleep(3.5)

    return new_colleague, firm_edit, one_percent, registry_file


INSERT_FLOOR = """
import sqlite3, sys, time
source = sqlite3.connect(sys.argv[1])
tables = {name: sql for name, sql in source.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
rows = {name: source.execute(f"SELECT * FROM {name}").fetchall() for name in tables}
indexes = [sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
start = time.process_time()
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
db.execute("BEGIN")
for name, sql in tables.items():
    db.execute(sql)
    if rows[name]:
        db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(rows[name][0]))})", rows[name])
db.execute("COMMIT")
for sql in indexes:
    db.execute(sql)
db.close()
print((time.process_time() - start) * 1000)
"""
"""The same rows into the same schema in one transaction, indexes after: what `registry import` is held to."""


BARE_READ = """
import os, sys, rtoml
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith('.toml'):
            with open(os.path.join(root, name), 'rb') as handle:
                rtoml.loads(handle.read().decode())
"""
"""The floor: every event file read and parsed once with the parser wst uses, nothing else."""

VALIDATED_READ = """
import os, sys, rtoml
from westander_cli.events import MODEL_OF, EventKind
from westander_cli.tomlfile import _with_standard_zones
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith('.toml'):
            with open(os.path.join(root, name), 'rb') as handle:
                data = rtoml.loads(handle.read().decode())
            _with_standard_zones(data)
            MODEL_OF[EventKind(data['kind'])].model_validate(data)
"""
"""A floor for every command that must trust what it reads: the bare read, then each event validated by wst's
Pydantic models (nothing of the process); what any full read of the records costs while Pydantic validates them."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and few runs (a smoke test)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into and keep this folder")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")], help="engagement counts, e.g. 100,10000")
    parser.add_argument("--generate", nargs=3, metavar=("ROOT", "ENGAGEMENTS", "COMPANIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        make_firm(Path(args.generate[0]), int(args.generate[1]), int(args.generate[2]))
        return 0
    sizes = args.sizes or ([100, 1000] if args.quick else [100, 1000, 10_000])
    big_registry = 2_000 if args.quick else 100_000
    runs = 2 if args.quick else args.runs
    root = args.keep or Path(tempfile.mkdtemp(prefix="wst-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WST_NOW": NOW, "WST_USER": "ceo", "NO_COLOR": "1"}
    env.pop("WST_DATA", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' machines cache bytecode; the first run of each command writes it
    rows: list[tuple[str, str, float, float, str]] = []

    def record(group: str, name: str, result: tuple[float, float], ratio: str = "") -> None:
        rows.append((group, name, result[0], result[1], ratio))
        print(f"{group:22} {name:58} {result[0]:9.1f} ms {result[1]:7.1f} MB {ratio}", flush=True)

    floor_pass = measure([sys.executable, "-c", "pass"], runs, env)
    floor_typer = measure([sys.executable, "-c", "import typer"], runs, env)
    record("floor", "python -c pass", floor_pass)
    record("floor", 'python -c "import typer"', floor_typer)
    typer_only = [sys.executable, "-c", "import typer"]
    pairs = max(runs, 9)
    floor_models, ratio = against([sys.executable, "-c", "import typer; from pydantic import BaseModel"], typer_only, pairs, env)
    record("floor", "import typer, then Pydantic's BaseModel (what validating any file costs before wst's own work)", floor_models,
           f"{ratio:.2f}x import typer")
    measure([WST, "--help"], 1, env)  # warm-up: bytecode written
    help_time, ratio = against([WST, "--help"], typer_only, pairs, env)
    record("start-up", "wst --help", help_time, f"{ratio:.2f}x import typer (target <= 1.1)")

    example = Path(root) / "example"
    if not example.exists():
        shutil.copytree(REPO / "data", example, ignore=shutil.ignore_patterns("outbox", ".wst"))
        past = time.time() - 60  # older than the index's racily clean window, as a data folder is on any working day
        for path in [example, *example.rglob("*")]:
            os.utime(path, (past, past), follow_symlinks=False)
    one = proposals(Path(root) / "proposals", 1000, big_registry)
    measure([WST, "check", str(one[0]), "--data", str(example), "--format", "json"], 1, env, ok=(0, 3))  # warm: indexes
    check_example, ratio = against([WST, "check", str(one[0]), "--data", str(example), "--format", "json"], typer_only, pairs, env, ok=(0, 3))
    record("check", "one proposal, example firm", check_example, f"{ratio:.2f}x import typer (target <= 1.5)")
    for view in (["status", "--as", "petra"], ["list"]):
        measure([WST, *view, "--data", str(example)], 1, env)  # warm: the index and what it keeps of people.toml and firm.toml
        result, ratio = against([WST, *view, "--data", str(example)], typer_only, pairs, env)
        record("start-up", f"wst {view[0]}, example firm (in a pipe)", result, f"{ratio:.2f}x import typer (target <= 1.5)")

    status_at: dict[int, float] = {}
    list_at: dict[int, float] = {}
    for size in sizes:
        registry = big_registry if size == sizes[-1] else 1_000
        started = time.perf_counter()
        data = generate(Path(root), size, registry)
        print(f"(generated {size} engagements, registry {registry} in {time.perf_counter() - started:.1f} s)", flush=True)
        group = f"{size} engagements"
        if size == sizes[-1]:
            walls: list[float] = []
            cold = measure([WST, "status", "--data", str(data)], max(1, runs // 2), env,
                           before=functools.partial(shutil.rmtree, data / ".wst", ignore_errors=True), walls=walls)
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            record(group, "first wst status after a fresh clone (no index)", cold,
                   f"wall {statistics.median(walls) / 1000:.1f} s with {cores} cores (target <= 4 s)")
        time.sleep(3.5)  # older than the index's "racily clean" window, or every run would re-read files
        measure([WST, "list", "--data", str(data)], 1, env)  # warm the index
        measure([WST, "check", str(one[0]), "--data", str(data)], 1, env, ok=(0, 1, 3))  # and the registry index
        status_at[size] = (status := measure([WST, "status", "--data", str(data)], runs, env))[0]
        record(group, "wst status (warm index)", status, f"{status[0] / status_at[sizes[0]]:.2f}x at {sizes[0]}" if size != sizes[0] else "")
        list_at[size] = (listed := measure([WST, "list", "--data", str(data)], runs, env))[0]
        record(group, "wst list (warm index)", listed, f"{listed[0] / list_at[sizes[0]]:.2f}x at {sizes[0]}" if size != sizes[0] else "")
        if size == sizes[-1]:
            new_colleague, firm_edit, one_percent, registry_file = pull_changes(data, size)
            for label, change, command in (("people.toml with a new colleague", new_colleague, "status"),
                                           ("firm.toml edited", firm_edit, "status"),
                                           ("1 % of the engagements with a new event", one_percent, "status"),
                                           ("people.toml with a new colleague", new_colleague, "list")):
                result, ratio = against([WST, command, "--data", str(data)], [WST, command, "--data", str(data)], runs, env, before=change)
                record(group, f"wst {command} after a pull: {label}", result, f"{ratio:.2f}x warm (target <= 1.5)")
            checking = [WST, "check", str(one[0]), "--data", str(data), "--format", "json"]
            result, ratio = against(checking, checking, runs, env, ok=(0, 1, 3), before=registry_file)
            record(group, "wst check after a pull: one new registry file", result, f"{ratio:.2f}x warm check (target <= 1.5)")
        record(group, "wst show ID", measure([WST, "show", f"2026-bench-{size // 2:05d}", "--data", str(data)], runs, env))
        check = measure([WST, "check", str(one[0]), "--data", str(data), "--format", "json"], runs, env, ok=(0, 1, 3))
        record(group, f"wst check one proposal (registry {registry:,})", check, f"{check[0] / check_example[0]:.2f}x example firm (target <= 2)")
        if size == sizes[-1]:
            many = measure([WST, "check", *map(str, one), "--data", str(data), "--format", "json"], max(1, runs // 2), env, ok=(0, 1, 3))
            record(group, "wst check 1,000 proposals in one call", many, f"{many[0] / len(one):.2f} ms each (target <= 2)")
        bare = measure([sys.executable, "-c", BARE_READ, str(data / "engagements")], runs, env)
        record(group, "floor: bare Python read + rtoml parse of the event files", bare)
        validated = measure([sys.executable, "-c", VALIDATED_READ, str(data / "engagements")], max(1, runs // 2), env)
        record(group, "floor: the bare read, then each event validated by wst's Pydantic models", validated,
               f"{validated[0] / bare[0]:.2f}x bare read")
        for command in ("validate", "verify"):
            result = measure([WST, command, "--data", str(data)], max(1, runs // 2), env, ok=(0, 1))
            record(group, f"wst {command}", result, f"{result[0] / bare[0]:.2f}x bare read" + (" (target <= 1.5)" if command == "verify" else ""))
        if size == sizes[-1]:
            git(data, "init", "-q", "-b", "main")
            git(data, "add", "-A")
            git(data, "commit", "-qm", "firm")
            add_comments(data, [f"2026-bench-{n:05d}" for n in range(0, size, size // 10)][:10], T0 + timedelta(days=320), "I CI.")
            git(data, "add", "-A")
            git(data, "commit", "-qm", "a push of 10 events")
            scan = measure(["git", "-C", str(data), "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"], runs, env)
            record(group, "floor: git status of the clone (the working tree --since also checks)", scan,
                   f"{scan[0] / help_time[0]:.2f}x wst --help")
            since = measure([WST, "verify", "--since", "HEAD~1", "--clock-skew", "1000d", "--data", str(data)], runs, env, ok=(0, 1))
            record(group, "wst verify --since HEAD~1 (a push of 10 events)", since, f"{since[0] / help_time[0]:.2f}x wst --help (target <= 1.5)")

    statements = bods_registry(57_200 if not args.quick else 2_000, random.Random(3))[:100_000 if not args.quick else 3_500]
    source = Path(root) / "import.bods.json"
    source.write_text(json.dumps(statements), encoding="utf-8")
    del statements[100:]
    import_times, import_peaks = [], []
    for attempt in range(max(1, runs // 2)):
        target = Path(root) / f"import-{attempt}"
        shutil.rmtree(target, ignore_errors=True)  # a kept root (--keep) holds the imports of earlier runs
        shutil.copytree(example, target, ignore=shutil.ignore_patterns("registry", ".wst"))
        t, m = measure([WST, "registry", "import", str(source), "--data", str(target)], 1, env)
        import_times.append(t)
        import_peaks.append(m)
    count = len(json.loads(source.read_text(encoding="utf-8")))
    imported = (statistics.median(import_times), max(import_peaks))
    built = Path(root) / "import-0" / ".wst" / "registry.sqlite"
    floors = []
    for attempt in range(max(1, runs // 2)):
        copy = Path(root) / f"floor-{attempt}.sqlite"
        copy.unlink(missing_ok=True)
        out = subprocess.run([sys.executable, "-c", INSERT_FLOOR, str(built), str(copy)], capture_output=True, text=True, check=True, env=env)
        floors.append(float(out.stdout))
    floor = statistics.median(floors)
    record("registry", "floor: executemany of the same rows into the same schema, one transaction, indexes after", (floor, 0.0))
    record("registry", f"wst registry import ({count:,} statements, with index build)", imported, f"{imported[0] / floor:.2f}x insert floor (target <= 2)")

    write_results(rows, sizes, runs)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def write_results(rows: list[tuple[str, str, float, float, str]], sizes: list[int], runs: int) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    lines = [
        "# wst benchmark results", "",
        f"Machine: {machine}. Date: {datetime.now(UTC):%Y-%m-%d}. Median of {runs} runs per figure; "
        f"sizes {', '.join(f'{s:,}' for s in sizes)} engagements. Made by `python bench/run.py`.", "",
        "Times are CPU time (user + system) of the child process and of the worker processes it forks, not wall time, "
        "so that other work on a shared machine moves them less; the first status after a clone also gives its wall time "
        "(it reads in one worker per core). Ratios to `import typer` are medians of alternating pairs (this machine's speed drifts "
        "by tens of percent within a minute). Bytecode is cached: the measured processes run without PYTHONDONTWRITEBYTECODE "
        "and each command runs once before it is measured (a warm-up run), as on a user's machine. "
        "'After a pull' rows change the files before each run (a new colleague in people.toml, an edit of firm.toml, "
        "a new event in 1 % of the engagements, a new registry file) and wait out the index's 3 s racy window; each such run is "
        "paired with the same command run just before it with everything current, and their ratio is the median of those pairs' ratios.", "",
        "| group | what | median CPU ms | peak MB | ratio |", "| --- | --- | ---: | ---: | --- |",
    ]
    lines += [f"| {g} | {n} | {t:.1f} | {m:.1f} | {r} |" for g, n, t, m, r in rows]
    out = Path(__file__).with_name("RESULTS.md")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    sys.exit(main())
