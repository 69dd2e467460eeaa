"""CI output formats: SARIF 2.1.0 for code-scanning UIs, Markdown for PR comments.

``to_sarif(verdict, tool_version, rules_meta)``: one run; ``tool.driver`` lists
the rules (from ``rules_meta``, e.g. ``guard.rules.RULES``) and every rule a
result names; each finding that is not ignored is a result: ``error`` when it
blocks, ``warning`` when it warns, ``note`` when an allow-list exception waived
it. Each result points at the requirement file (``artifact_uri``; at the line
naming the package when ``lines`` knows it) and names the package as a logical
location.

``to_markdown(verdict)``: a table (package, version, decision, reasons) and the
details of every blocked or warned package with what to do about it.

Index-supplied text goes through ``guard.report.sanitize.clean`` first, and in Markdown
is then escaped (HTML and Markdown punctuation; ``@`` cannot mention anyone).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from packaging.utils import canonicalize_name

from guard.models import Action, Decision, Verdict
from guard.report.sanitize import clean
from guard.report.text import decision_word, ordered, shown, version_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
MARKDOWN_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters


class RuleMeta(Protocol):
    """What the formats read of a rule (``guard.rules.base.Rule`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def rationale(self) -> str: ...
    @property
    def default_action(self) -> Action: ...


# --- SARIF ------------------------------------------------------------------------

_LEVEL = {Action.BLOCK: "error", Action.WARN: "warning", Action.IGNORE: "none"}


def _first_line(text: str) -> str:
    return clean(text.strip().split("\n\n", 1)[0], 1000) if text.strip() else ""


def _descriptor(rule_id: str, meta: RuleMeta | None) -> dict[str, object]:
    summary = _first_line(meta.summary) if meta else ""
    rationale = clean(meta.rationale, 4000) if meta and meta.rationale else ""
    descriptor: dict[str, object] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)),
        "shortDescription": {"text": summary or rule_id},
        "fullDescription": {"text": rationale or summary or rule_id},
        "help": {"text": rationale or summary or f"see `safepip rules` for {rule_id}"},
    }
    if meta is not None:
        descriptor["defaultConfiguration"] = {"level": _LEVEL[meta.default_action]}
        descriptor["properties"] = {"defaultAction": meta.default_action.label}
    return descriptor


def requirement_lines(text: str) -> dict[str, int]:
    """Canonical project name -> first line (1-based) naming it in a requirements file."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match and not line.lstrip().startswith(("-", "#")):
            lines.setdefault(canonicalize_name(match.group(1)), number)
    return lines


def to_sarif(
    verdict: Verdict,
    tool_version: str,
    rules_meta: Iterable[RuleMeta],
    artifact_uri: str = "requirements.txt",
    lines: Mapping[str, int] | None = None,
    decision: Decision | None = None,
) -> str:
    """A SARIF 2.1.0 log of the verdict (one run)."""
    metas = {meta.id: meta for meta in rules_meta}
    order: list[str] = list(metas)
    results: list[dict[str, object]] = []
    for p in ordered(verdict.packages):
        name, version = clean(p.candidate.name, 200), clean(version_text(p), 100)
        for j in shown(p.judged):
            rule_id = j.finding.rule
            if rule_id not in order:
                order.append(rule_id)
            if j.allowed_because:
                level, outcome = "note", "allowed-by-policy"
                text = (
                    f"{name} {version}: {clean(j.finding.message, 2000)} "
                    f"(allowed by the policy: {clean(j.allowed_because, 1000)})"
                )
            else:
                level, outcome = _LEVEL[j.action], decision_word(j.action)
                text = (
                    f"{name} {version}: {decision_word(j.action)}: {clean(j.finding.message, 2000)}"
                )
                if j.finding.remedy:
                    text += f" Fix: {clean(j.finding.remedy, 2000)}"
            physical: dict[str, object] = {
                "artifactLocation": {"uri": artifact_uri, "uriBaseId": "%SRCROOT%"}
            }
            line = (lines or {}).get(p.candidate.name)
            if line:
                physical["region"] = {"startLine": line}
            fingerprint = hashlib.sha256(f"{p.candidate.name}\0{rule_id}".encode()).hexdigest()
            results.append(
                {
                    "ruleId": rule_id,
                    "ruleIndex": order.index(rule_id),
                    "level": level,
                    "message": {"text": text},
                    "locations": [
                        {
                            "physicalLocation": physical,
                            "logicalLocations": [
                                {
                                    "name": name,
                                    "fullyQualifiedName": f"{name}=={version}",
                                    "kind": "package",
                                }
                            ],
                        }
                    ],
                    "partialFingerprints": {"safepipPackageRule/v1": fingerprint},
                    "properties": {
                        "decision": outcome,
                        "package": name,
                        "version": version,
                        **(
                            {"allowedBecause": clean(j.allowed_because, 1000)}
                            if j.allowed_because
                            else {}
                        ),
                    },
                }
            )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "safepip",
                        "version": tool_version,
                        "semanticVersion": tool_version,
                        "rules": [_descriptor(rule_id, metas.get(rule_id)) for rule_id in order],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the checkout"}}},
                "results": results,
                "properties": {
                    "decision": (decision or verdict.decision).value,
                    "notes": [clean(n, 2000) for n in verdict.notes],
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"


def error_sarif(message: str, tool_version: str) -> str:
    """A SARIF log for a run that could not decide (exit 2): no results, and the
    invocation marked unsuccessful with the error as a notification."""
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "safepip",
                        "version": tool_version,
                        "rules": [],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "exitCode": 2,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": clean(message, 4000)}}
                        ],
                    }
                ],
                "results": [],
                "properties": {"decision": Decision.ERROR.value},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"


# --- Markdown ---------------------------------------------------------------------

_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")


def md(text: object, limit: int = 300) -> str:
    """Cleaned, then safe in a Markdown table cell or line (no HTML, no links,
    no emphasis, no mentions)."""
    s = clean(text, limit)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = _MD_PUNCT.sub(r"\\\1", s)
    return s.replace("@", "@\u2060")  # a word joiner: "@name" mentions nobody


def _code(text: object) -> str:
    """A code span (a rule id): cleaned, with no backtick to break out of it."""
    return "`" + clean(text, 80).replace("`", "'") + "`"


_HEADING = {
    Decision.ALLOW: "allowed",
    Decision.WARN: "allowed, with warnings",
    Decision.BLOCK: "BLOCKED",
    Decision.ERROR: "error",
}


def to_markdown(verdict: Verdict, decision: Decision | None = None) -> str:
    """A PR comment: a summary table and what to do about each problem."""
    final = decision or verdict.decision
    packages = ordered(verdict.packages)
    out = [f"### safepip: {_HEADING[final]}", ""]
    counts = {a: sum(1 for p in packages if p.action is a) for a in Action}
    out.append(
        f"{len(packages)} package{'s' if len(packages) != 1 else ''} vetted: "
        f"{counts[Action.BLOCK]} blocked, {counts[Action.WARN]} with warnings, "
        f"{counts[Action.IGNORE]} allowed."
    )
    out.append("")
    if packages:
        out.append("| Package | Version | Decision | Reasons |")
        out.append("| --- | --- | --- | --- |")
        for p in packages:
            reasons = sorted({j.finding.rule for j in shown(p.judged) if not j.allowed_because})
            waived = sorted({j.finding.rule for j in p.judged if j.allowed_because})
            cell = ", ".join(md(r, 80) for r in reasons)
            if waived:
                cell += ("; " if cell else "") + "allowed: " + ", ".join(md(r, 80) for r in waived)
            out.append(
                f"| {md(p.candidate.name, 100)} | {md(version_text(p), 60)} | "
                f"{decision_word(p.action)} | {cell} |"
            )
        out.append("")
    details = [p for p in packages if p.action is not Action.IGNORE]
    body: list[str] = []
    for p in details:
        body.append(
            f"#### {md(p.candidate.name, 100)} {md(version_text(p), 60)}: {decision_word(p.action)}"
        )
        body.append("")
        for j in sorted(shown(p.judged), key=lambda j: -int(j.action)):
            if j.allowed_because:
                body.append(
                    f"- {_code(j.finding.rule)} allowed by the policy: "
                    f"{md(j.allowed_because, 500)} ({md(j.finding.message, 1000)})"
                )
                continue
            body.append(
                f"- {_code(j.finding.rule)} **{decision_word(j.action)}**: "
                f"{md(j.finding.message, 1000)}"
            )
            if j.finding.remedy:
                body.append(f"  - Fix: {md(j.finding.remedy, 1000)}")
        body.append("")
    if verdict.notes:
        body.append("**Notes**")
        body.append("")
        body.extend(f"- {md(note, 1000)}" for note in verdict.notes)
        body.append("")
    text = "\n".join(out)
    for line in body:
        if len(text) + len(line) + 200 > MARKDOWN_LIMIT:
            text += "\n_(more details cut: run `safepip check` locally for the full report)_\n"
            break
        text += "\n" + line
    return text.rstrip("\n") + "\n"


def error_markdown(message: str) -> str:
    """A PR comment for a run that could not decide (exit 2)."""
    return f"### safepip: error\n\nsafepip could not decide: {md(message, 4000)}\n"
