"""A first run reads the engagement folders in forked worker processes; what it shows, refuses and keeps
is what one process gives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, WST
from westander_cli import bulk
from westander_cli.errors import InvalidInput, NotPermitted

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")

SIZE = 500
"""Above bulk.PARALLEL_FROM: a first run of a firm this size forks two workers (WST_JOBS=2)."""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--generate", str(root), str(SIZE), "100"], check=True)
    return root / f"firm-{SIZE}-100"


def environment(jobs: str) -> dict[str, str]:
    return {**os.environ, "WST_JOBS": jobs, "WST_NOW": "2026-12-01T09:00:00Z", "WST_USER": "ceo", "WST_LANG": "en",
            "WST_POLICIES": str(REPO / "policies")}


def run(data: Path, *args: str, jobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WST, *args, "--data", str(data)], capture_output=True, text=True, env=environment(jobs), check=False, timeout=300)


def fresh_copy(generated: Path, tmp_path: Path, name: str) -> Path:
    subprocess.run(["cp", "-a", str(generated), str(tmp_path / name)], check=True)
    return tmp_path / name


def indexed_rows(data: Path) -> int:
    index = data / ".wst" / "index.sqlite"
    if not index.exists():
        return 0
    with sqlite3.connect(index) as db:
        try:
            return int(db.execute("SELECT count(*) FROM summary").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_workers_give_what_one_process_gives(generated: Path, tmp_path: Path) -> None:
    alone, shared = fresh_copy(generated, tmp_path, "alone"), fresh_copy(generated, tmp_path, "shared")
    shown = {}
    for args in (["list", "--format", "json"], ["status", "--format", "json"]):
        one = run(alone, *args, jobs="1")
        two = run(shared, *args, jobs="2")
        assert one.returncode == two.returncode == 0, one.stderr + two.stderr
        assert one.stdout == two.stdout and len(one.stdout) > 10_000
        shown[args[0]] = one.stdout
    assert indexed_rows(alone) == indexed_rows(shared) == SIZE
    assert run(shared, "list", "--format", "json", jobs="2").stdout == shown["list"]  # and from the index the workers wrote


def test_the_first_bad_file_in_order_is_refused_as_one_process_refuses_it_and_nothing_is_kept(generated: Path, tmp_path: Path) -> None:
    results = []
    for jobs in ("1", "2"):
        data = fresh_copy(generated, tmp_path, f"bad-{jobs}")
        for number in (123, 421):  # one in the first worker's chunks, one in a later chunk
            event = max((data / "engagements" / f"2026-bench-{number:05d}" / "events").iterdir())
            event.write_text(event.read_text(encoding="utf-8").replace("by = ", "by = [", 1), encoding="utf-8")
        result = run(data, "list", jobs=jobs)
        results.append((result.returncode, result.stderr.replace(str(data), "DATA")))
        assert indexed_rows(data) == 0
    assert results[0] == results[1]
    code, message = results[0]
    assert code == 2 and message.count("\n") == 1 and "2026-bench-00123" in message and "Traceback" not in message


def test_mapped_keeps_the_order_and_uses_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WST_JOBS", "2")
    items = list(range(1_000))

    def square(n: int) -> tuple[int, int]:
        time.sleep(0.001)  # long enough that one worker cannot take every chunk before the other starts
        return n * n, os.getpid()

    results = bulk.mapped(square, items)
    assert [square for square, _ in results] == [n * n for n in items]
    assert os.getpid() not in {pid for _, pid in results} and len({pid for _, pid in results}) == 2


def test_mapped_raises_the_first_error_in_order_with_its_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WST_JOBS", "2")

    def judge(n: int) -> int:
        if n in (900, 130):
            raise (NotPermitted if n == 130 else InvalidInput)(f"item {n}")
        return n

    with pytest.raises(NotPermitted, match=r"^item 130$"):
        bulk.mapped(judge, list(range(1_000)))


def test_few_items_or_one_job_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert bulk.worker_count(bulk.PARALLEL_FROM - 1) == 1
    monkeypatch.setenv("WST_JOBS", "1")
    assert bulk.mapped(lambda n: os.getpid(), list(range(1_000))) == [os.getpid()] * 1_000


def test_a_worker_that_dies_costs_time_not_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed (the out-of-memory killer, kill -9) mid-way: this process reads every item itself."""
    monkeypatch.setenv("WST_JOBS", "2")
    parent = os.getpid()

    def dies_in_a_worker(n: int) -> int:
        if n == 700 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return n * 2

    assert bulk.mapped(dies_in_a_worker, list(range(1_000))) == [n * 2 for n in range(1_000)]


def test_ctrl_c_during_a_first_run_stops_every_process_quietly(generated: Path, tmp_path: Path) -> None:
    data = fresh_copy(generated, tmp_path, "interrupted")
    process = subprocess.Popen([*WST, "list", "--data", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=environment("2"), start_new_session=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    while process.poll() is None and not children.read_text().split():
        time.sleep(0.01)  # until the workers are reading
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole process group
    _, err = process.communicate(timeout=60)  # a worker that took the Ctrl-C while it was forked once hung this for ever
    assert "Traceback" not in err and "Worker" not in err and err.count("\n") <= 1, err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no worker left behind
    assert (process.returncode, indexed_rows(data)) in {(130, 0), (0, SIZE)}  # stopped with nothing kept, or (a Ctrl-C in the
    # instant the workers start is sometimes not seen) done in full


@pytest.mark.parametrize("value", ["0", "two", "-1", " ", "\u00b2", "\u0663", "9" * 5000, "1000"])
def test_a_bad_wst_jobs_is_one_clear_line(generated: Path, tmp_path: Path, value: str) -> None:
    data = fresh_copy(generated, tmp_path, "jobs")
    for _ in ("first run", "warm index"):
        result = run(data, "list", jobs=value)
        assert result.returncode == 2 and result.stderr == f"wst: error: WST_JOBS: '{value}' is not a number of processes from 1 to 999\n"
        run(data, "list", jobs="2")
