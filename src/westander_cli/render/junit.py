"""JUnit XML for CI systems other than GitHub: one test case per proposal file (check) or per file
with problems (validate, verify); a failure per block/forbid finding or error, warnings as output.

Element names, attributes such as `type` and `classname`, and the suite names are for CI systems and
never change; the text in `message` and the output is for people and is in the run's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

from westander_cli import words
from westander_cli.i18n import _

FAILING = {"forbid", "block"}


def _suite(name: str, cases: list[ElementTree.Element]) -> Iterator[str]:
    suite = ElementTree.Element("testsuite", name=name, tests=str(len(cases)),
                                failures=str(sum(1 for c in cases if c.find("failure") is not None)),
                                errors=str(sum(1 for c in cases if c.find("error") is not None)))
    suite.extend(cases)
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.indent(suites)
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    # the two characters XML forbids that `render.sanitise` (made for terminals) leaves: escaped the same way
    yield ElementTree.tostring(suites, encoding="unicode").replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")


def check_results(payload: dict[str, Any]) -> Iterator[str]:
    cases = []
    for result in payload["results"]:
        case = ElementTree.Element("testcase", classname="wst.check", name=result["file"])
        if result.get("error"):
            ElementTree.SubElement(case, "error", message=result["error"]["message"], type="invalid")
        else:
            failing = [f for f in result["findings"] if f["severity"] in FAILING]
            for finding in failing:
                failure = ElementTree.SubElement(case, "failure", message=f"{finding['rule']}: {finding['message']}",
                                                 type=finding["severity"])
                failure.text = f"{finding['message']} ({finding['source']})"
            others = [f for f in result["findings"] if f["severity"] not in FAILING]
            output = [f"{result['client']}: {words.verdict(result['verdict'])}"]
            output += [f"[{words.severity(f['severity'])}] {f['rule']}: {f['message']}" for f in others]
            ElementTree.SubElement(case, "system-out").text = "\n".join(output)
        cases.append(case)
    yield from _suite("wst check", cases)


def problems(payload: dict[str, Any]) -> Iterator[str]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for problem in payload["problems"]:
        by_file.setdefault(problem["file"], []).append(problem)
    cases = []
    for file, found in sorted(by_file.items()):
        case = ElementTree.Element("testcase", classname=f"wst.{payload['command']}", name=file)
        for problem in found:
            where = f"{file}:{problem['line']}" if problem["line"] else file
            if problem.get("severity", "error") == "error":
                ElementTree.SubElement(case, "failure", message=problem["message"], type="error").text = f"{where}: {problem['message']}"
            else:
                ElementTree.SubElement(case, "system-out").text = _("warning: {where}: {message}").format(where=where, message=problem["message"])
        cases.append(case)
    if not cases:
        cases.append(ElementTree.Element("testcase", classname=f"wst.{payload['command']}", name=payload["checked"]))
    yield from _suite(f"wst {payload['command']}", cases)
