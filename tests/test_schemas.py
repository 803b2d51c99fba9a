"""Every --format json output matches its published schema (docs/schema/*.v1.json), exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from conftest import REPO, proposal, write_proposal
from westander_cli.render.schemas import SCHEMAS, json_schema

T0 = "2026-12-01T09:00:00Z"
AFTER = "2026-12-03T10:00:00Z"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_files_are_current(name: str) -> None:
    published = json.loads((REPO / "docs" / "schema" / f"{name}.v1.json").read_text(encoding="utf-8"))
    assert published == json_schema(name), "run: python -m westander_cli.render.schemas docs/schema"


def conforms(name: str, output: str) -> None:
    TypeAdapter(SCHEMAS[name]).validate_python(json.loads(output), strict=True)


def test_every_command_conforms(firm: Path, wst, tmp_path: Path) -> None:
    clear = write_proposal(tmp_path, "p", proposal(id="2026-schema", client={"owners": [{"name": "Huaxin Co., Ltd.", "country": "CN", "share": 10.0}]}))
    outputs = {
        "check": wst("check", str(clear), str(REPO / "data" / "examples" / "nordvind-competitor.toml"), "--format", "json"),
        "propose": wst("propose", str(clear), "--as", "anna", "--format", "json", now=T0),
        "recorded": wst("object", "2026-schema", "--reason", "Nej", "--as", "sara", "--format", "json", now=T0),
        "notify": wst("notify", "2026-schema", "--as", "anna", "--format", "json"),
        "list": wst("list", "--format", "json"),
        "show": wst("show", "2026-schema", "--format", "json"),
        "log": wst("log", "2026-schema", "--format", "json"),
        "status": wst("status", "--as", "petra", "--format", "json"),
        "policy-list": wst("policy", "list", "--format", "json"),
        "policy-show": wst("policy", "show", "conflict.opposing", "--format", "json"),
        "registry-import": wst("registry", "import", str(REPO / "data" / "registry" / "exempel-agare.toml"), "--format", "json"),
        "registry-show": wst("registry", "show", "Volvo Car Sverige AB", "--format", "json"),
        "problems": wst("verify", "--format", "json"),
        "publish": wst("publish", "--format", "json"),
        "report": wst("report", "--format", "json"),
        "error": wst("offer", "2026-schema", "--as", "anna", "--format", "json", now=AFTER),
    }
    assert set(outputs) == set(SCHEMAS)
    for name, result in outputs.items():
        conforms(name, result.out)
    conforms("problems", wst("validate", "--format", "json").out)


def test_a_shape_change_is_caught() -> None:
    with pytest.raises(ValidationError, match="surprise"):
        TypeAdapter(SCHEMAS["list"]).validate_python({"version": 1, "engagements": [], "surprise": True}, strict=True)
