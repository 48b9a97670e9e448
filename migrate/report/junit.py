"""JUnit XML, which CI systems show as test results: one test suite per file, one test case per
finding.  Errors and warnings are failures; info findings pass with their advice as output; a
file migrate could not read is a skipped case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from migrate.scan import ScanResult

# What XML 1.0 cannot carry at all (ElementTree writes it as it is): control characters from file
# names or source, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name)


def _count(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return len(cases), failures, skipped


def render(result: ScanResult) -> str:
    top = ET.Element("testsuites", name="migrate scan")
    suites: dict[str, ET.Element] = {}
    for path, group in groupby(result.findings, key=lambda f: f.path):
        suite = suites.setdefault(path, _suite(top, path))
        for f in group:
            case = ET.SubElement(suite, "testcase", name=f"{f.rule} {f.name} at {f.line}:{f.column}",
                                 classname=path, file=path, line=str(f.line))
            where = f"{path}:{f.line}:{f.column}: {f.rule} {f.message}"
            if f.severity == "info":
                ET.SubElement(case, "system-out").text = f"info: {where}"
            else:
                failure = ET.SubElement(case, "failure", message=f.message, type=f"{f.severity} {f.rule}")
                failure.text = where
    for e in result.inventory.errors:
        suite = suites.setdefault(e.path, _suite(top, e.path))
        case = ET.SubElement(suite, "testcase", name="read", classname=e.path, file=e.path)
        if e.line:
            case.set("line", str(e.line))
        ET.SubElement(case, "skipped", message=f"not read: {e.message}")
    if not suites:  # a clean scan is one passing case, so that CI shows the check ran
        ET.SubElement(_suite(top, "migrate scan"), "testcase", name="no findings", classname="migrate")
    totals = [_count(s) for s in top.findall("testsuite")]
    top.set("tests", str(sum(t[0] for t in totals)))
    top.set("failures", str(sum(t[1] for t in totals)))
    top.set("errors", "0")
    top.set("skipped", str(sum(t[2] for t in totals)))
    ET.indent(top)
    xml = ET.tostring(top, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("\ufffd", xml) + "\n"
