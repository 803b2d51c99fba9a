"""`publish --format markdown|html`: the website texts for the web editor, escaped, with no declined
client anywhere; the HTML fragment rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
AFTER = "2026-12-03T10:00:00Z"
HOSTILE = 'Vi <script>alert("x")</script> hjälper & stöttar'


def firm_with_clients(wst, tmp_path: Path) -> None:
    won = write_proposal(tmp_path, "won", proposal(id="2026-vunnen", website_text=HOSTILE,
                                                   client={"name": "Öppen Kund AB", "org_number": None}))
    vetoed = write_proposal(tmp_path, "vetoed", proposal(id="2026-stoppad", title="Hemligt uppdrag", website_text="Hemlig text",
                                                         client={"name": "Hemlig Kund AB", "org_number": None, "sectors": ["62.01"]}))
    assert wst("propose", str(won), "--as", "anna", now=T0).code == 0
    assert wst("propose", str(vetoed), "--as", "anna", now=T0).code == 0
    for step in ("offer", "won"):
        assert wst(step, "2026-vunnen", "--as", "anna", now=AFTER).code == 0
    assert wst("veto", "2026-stoppad", "--reason", "Nej", "--as", "petra", now=AFTER).code == 0


def test_markdown_lists_the_public_clients_with_their_texts(firm: Path, wst, tmp_path: Path) -> None:
    firm_with_clients(wst, tmp_path)
    out = wst("publish", "--format", "markdown", "--lang", "sv", now=AFTER).out
    assert out.startswith("## Våra uppdragsgivare") and "### Pågående uppdrag" in out and "**Öppen Kund AB**" in out
    assert "\\<script\\>" in out and "<script>" not in out  # shown as text, never as markup
    assert "Hemlig" not in out and "stoppad" not in out


def test_html_is_one_escaped_fragment_without_scripts(firm: Path, wst, tmp_path: Path) -> None:
    firm_with_clients(wst, tmp_path)
    out = wst("publish", "--format", "html", "--lang", "sv", now=AFTER).out
    assert out.startswith('<section class="wst-clients" lang="sv">') and out.rstrip().endswith("</section>")
    assert "<script" not in out and "&lt;script&gt;" in out and "&amp; stöttar" in out
    assert "Hemlig" not in out


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(chromium() is None, reason="headless Chromium is not installed (.ci/run installs it with apt-get)")
def test_the_html_fragment_renders_in_a_real_browser(firm: Path, wst, tmp_path: Path) -> None:
    firm_with_clients(wst, tmp_path)
    fragment = wst("publish", "--format", "html", now=AFTER).out
    page = tmp_path / "kunder.html"
    page.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Kunder</title></head><body>{fragment}</body></html>",
                    encoding="utf-8")
    browser = chromium()
    assert browser is not None
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h4>Öppen Kund AB" in dom.stdout and 'alert("x")' in dom.stdout  # the browser shows the text ...
    assert "<script>" not in dom.stdout.split("<body>", 1)[1]  # ... and runs no script from it
    assert "Hemlig" not in dom.stdout
