"""The SARIF 2.1.0 report, for code-scanning UIs.

``to_sarif(verdict, tool_version, rules_meta)``: one run; ``tool.driver`` lists
the rules (from ``rules_meta``, e.g. ``guard.rules.RULES``) and every rule a
result names; each finding that is not ignored is a result: ``error`` when it
blocks, ``warning`` when it warns, ``note`` when an allow-list exception waived
it. Each result names the package as a logical location and, when there is a
file to point at, sits where ``guard.report.places.locate`` puts it: the line
declaring the package, or, for a dependency, the line declaring what pulls it
in; the audited environment for ``audit``. Index-supplied text goes through
``guard.report.sanitize.clean``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from guard.models import Action, Decision, Judged, PackageVerdict, Verdict
from guard.report.base import Place, Places, ReportContext, RuleMeta
from guard.report.common import decision_word, ordered, shown, version_text
from guard.report.places import Where, file_places, locate, requirement_lines
from guard.report.sanitize import clean

__all__ = ["SarifFormat", "error_sarif", "requirement_lines", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

_LEVEL = {Action.BLOCK: "error", Action.WARN: "warning", Action.IGNORE: "none"}


def _first_line(text: str) -> str:
    return clean(text.strip().split("\n\n", 1)[0], 1000) if text.strip() else ""


def _descriptor(rule_id: str, meta: RuleMeta | None) -> dict[str, object]:
    if meta is None:
        return _bare_descriptor(rule_id, "", "")
    summary = _first_line(meta.summary)
    rationale = clean(meta.rationale, 4000) if meta.rationale else ""
    descriptor = _bare_descriptor(rule_id, summary, rationale)
    descriptor["defaultConfiguration"] = {"level": _LEVEL[meta.default_action]}
    descriptor["properties"] = {"defaultAction": meta.default_action.label}
    return descriptor


def _bare_descriptor(rule_id: str, summary: str, rationale: str) -> dict[str, object]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)),
        "shortDescription": {"text": summary or rule_id},
        "fullDescription": {"text": rationale or summary or rule_id},
        "help": {"text": rationale or summary or f"see `safepip rules` for {rule_id}"},
    }


def _message(name: str, version: str, j: Judged) -> str:
    if j.allowed_because:
        return (
            f"{name} {version}: {clean(j.finding.message, 2000)} "
            f"(allowed by the policy: {clean(j.allowed_because, 1000)})"
        )
    text = f"{name} {version}: {decision_word(j.action)}: {clean(j.finding.message, 2000)}"
    if j.finding.remedy:
        text += f" Fix: {clean(j.finding.remedy, 2000)}"
    return text


def _physical(place: Place) -> dict[str, object]:
    artifact: dict[str, object] = {"uri": place.uri}
    if place.relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    physical: dict[str, object] = {"artifactLocation": artifact}
    if place.line:
        physical["region"] = {"startLine": place.line}
    return physical


def _location(name: str, version: str, place: Place | None) -> dict[str, object]:
    """The package as a logical location, and its place when there is a file to name."""
    logical = {"name": name, "fullyQualifiedName": f"{name}=={version}", "kind": "package"}
    location: dict[str, object] = {"logicalLocations": [logical]}
    if place is not None:
        location["physicalLocation"] = _physical(place)
    return location


def _result(p: PackageVerdict, j: Judged, rule_index: int, where: Where) -> dict[str, object]:
    name, version = clean(p.candidate.name, 200), clean(version_text(p), 100)
    allowed = {"allowedBecause": clean(j.allowed_because, 1000)} if j.allowed_because else {}
    level = "note" if j.allowed_because else _LEVEL[j.action]
    outcome = "allowed-by-policy" if j.allowed_because else decision_word(j.action)
    fingerprint = hashlib.sha256(f"{p.candidate.name}\0{j.finding.rule}".encode()).hexdigest()
    chain = {"dependencyChain": [clean(n, 200) for n in where.chain]} if where.chain else {}
    return {
        "ruleId": j.finding.rule,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": _message(name, version, j) + where.note},
        "locations": [_location(name, version, where.place)],
        "partialFingerprints": {"safepipPackageRule/v1": fingerprint},
        "properties": {
            "decision": outcome,
            "package": name,
            "version": version,
            **allowed,
            **chain,
        },
    }


def _results(verdict: Verdict, order: list[str], places: Places) -> list[dict[str, object]]:
    """One result per shown finding; rules not in ``order`` yet are added to it."""
    results: list[dict[str, object]] = []
    wheres = locate(verdict.packages, places)
    for p in ordered(verdict.packages):
        for j in shown(p.judged):
            if j.finding.rule not in order:
                order.append(j.finding.rule)
            results.append(_result(p, j, order.index(j.finding.rule), wheres[p.candidate.name]))
    return results


def _log(driver: Mapping[str, object], run: Mapping[str, object]) -> str:
    tool = {"driver": {"name": "safepip", **driver}}
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [{"tool": tool, **run}]}
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"


def to_sarif(
    verdict: Verdict,
    tool_version: str,
    rules_meta: Iterable[RuleMeta],
    artifact_uri: str | None = None,
    lines: Mapping[str, int] | None = None,
    decision: Decision | None = None,
    places: Places | None = None,
) -> str:
    """A SARIF 2.1.0 log of the verdict (one run).

    ``places`` says where results sit; ``artifact_uri`` and ``lines`` are the
    short form for one requirements file. With neither, results carry only a
    logical location (the package): there is no file to point at."""
    metas = {meta.id: meta for meta in rules_meta}
    order: list[str] = list(metas)
    if places is None:
        places = file_places(artifact_uri, lines or {}) if artifact_uri else Places()
    results = _results(verdict, order, places)
    driver = {
        "version": tool_version,
        "semanticVersion": tool_version,
        "rules": [_descriptor(rule_id, metas.get(rule_id)) for rule_id in order],
    }
    run = {
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the checkout"}}},
        "results": results,
        "properties": {
            "decision": (decision or verdict.decision).value,
            "notes": [clean(n, 2000) for n in verdict.notes],
        },
    }
    return _log(driver, run)


def error_sarif(message: str, tool_version: str) -> str:
    """A SARIF log for a run that could not decide (exit 2): no results, and the
    invocation marked unsuccessful with the error as a notification."""
    notification = {"level": "error", "message": {"text": clean(message, 4000)}}
    invocation = {
        "executionSuccessful": False,
        "exitCode": 2,
        "toolExecutionNotifications": [notification],
    }
    run = {
        "invocations": [invocation],
        "results": [],
        "properties": {"decision": Decision.ERROR.value},
    }
    return _log({"version": tool_version, "rules": []}, run)


@dataclass(frozen=True)
class SarifFormat:
    """``--format sarif``: for code-scanning UIs."""

    name: str = "sarif"

    def verdict(self, verdict: Verdict, context: ReportContext) -> str:
        return to_sarif(
            verdict,
            context.tool_version,
            context.rules,
            places=context.places,
        )

    def error(self, message: str, context: ReportContext) -> str:
        return error_sarif(message, context.tool_version)
