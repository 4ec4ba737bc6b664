"""`pbxdesk test SCENARIO...`: contract tests of a webhook handler, for CI (the module is not
named test.py so that nobody takes it for a test file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import PbxDeskError

if TYPE_CHECKING:
    from pbxdesk.engine.contract.runner import ScenarioReport


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    test = sub.add_parser(
        "test",
        help="play scenarios against a handler and check its answers ([[expect]], [test] probes)",
        description="Exit 0 when every expectation and probe holds, 1 when any fails, 2 for bad input.",
    )
    test.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (TOML)")
    test.add_argument("--target", metavar="URL", help="send every subscription's requests here instead")
    test.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (for CI)")
    test.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    test.add_argument(
        "--real-time", action="store_true", help="play calls in real time (default: virtual clock)"
    )
    test.set_defaults(func=cmd_test)


def _write(path: str, text: str, what: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PbxDeskError(f"{path}: cannot write the {what} report: {exc.strerror}") from None


def cmd_test(args: argparse.Namespace) -> int:
    import asyncio
    import tempfile

    from pbxdesk.domain.validation import validate_url
    from pbxdesk.engine.contract.reports import html_report, junit_xml
    from pbxdesk.engine.contract.runner import run_contract
    from pbxdesk.engine.scenario import load_scenario

    target = validate_url(args.target, where="--target") if args.target else None
    scenarios = [load_scenario(p) for p in args.scenarios]  # every file checked before anything runs
    reports: list[ScenarioReport] = []
    with tempfile.TemporaryDirectory(prefix="pbxdesk-test-") as tmp:
        for i, sc in enumerate(scenarios):
            profile = Path(tmp) / f"run{i}.sqlite"
            reports.append(asyncio.run(run_contract(sc, profile, target=target, real_time=args.real_time)))
    _print_summary(reports)
    if args.junit:
        _write(args.junit, junit_xml(reports), "JUnit")
    if args.html:
        _write(args.html, html_report(reports), "HTML")
    return ExitCode.OK if all(r.passed for r in reports) else ExitCode.FAILED


def _print_summary(reports: list[ScenarioReport]) -> None:
    from rich.console import Console
    from rich.table import Table

    from pbxdesk.engine.contract.reports import expectation_detail

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    table = Table(title="pbxdesk test", show_lines=False)
    for col in ("scenario", "check", "result", "detail"):
        table.add_column(col)
    for rep in reports:
        for r in rep.expectations:
            detail = f"{r.checked} checked, {len(r.failures)} failed"
            if not r.passed:
                detail += ": " + (r.failures[0].reason if r.failures else "no delivery matched")
            table.add_row(rep.source, f"expect: {r.expectation.name}", _mark(r.passed), detail)
        for p in rep.probes:
            table.add_row(
                rep.source, f"probe: {p.name}", _mark(p.passed), f"{p.reason} ({len(p.exchanges)} requests)"
            )
    console.print(table)
    for rep in reports:
        for r in rep.expectations:
            if not r.passed:
                console.print(f"\n[bold red]FAIL[/] {rep.source}: expect: {r.expectation.name}", markup=True)
                console.print(expectation_detail(r), markup=False)
    passed = sum(r.passed for r in reports)
    console.print(f"\n{passed} of {len(reports)} scenarios passed", markup=False)


def _mark(ok: bool) -> str:
    return "[green]pass[/]" if ok else "[bold red]FAIL[/]"
