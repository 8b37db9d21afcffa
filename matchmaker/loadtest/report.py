"""bench/load.md: machine facts, data sizes and, per database, the table of every scenario beside
the trivial endpoint measured in the same run, with the proposal count check."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from matchmaker.loadtest.stats import Row

COLUMNS = (
    "scenario",
    "requests",
    "rps",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "in worker p95 ms",
    "errors",
    "429",
    "target p95",
    "result",
)


@dataclass
class DatabaseResult:
    kind: str
    version: str = ""
    note: str = ""
    build_seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    languages: dict = field(default_factory=dict)
    search_hits: dict = field(default_factory=dict)
    warm_up: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    proposals: object | None = None
    server: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failure: str = ""
    load_before: tuple = ()
    load_after: tuple = ()

    @property
    def passed(self) -> bool:
        rows_ok = all(row.passed for row in self.rows)
        proposals_ok = self.proposals is not None and self.proposals.passed
        return not self.failure and bool(self.rows) and rows_ok and proposals_ok


def machine_facts() -> dict[str, str]:
    cpu = ""
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else ""
    except OSError:
        pass
    ram = ""
    try:
        found = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        ram = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else ""
    except OSError:
        pass
    import gunicorn

    return {
        "cpu": f"{os.cpu_count()} cores" + (f" ({cpu})" if cpu else ""),
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "gunicorn": gunicorn.__version__,
    }


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def table_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for row in rows:
        s = row.summary()
        target = f"< {row.target_ms:.0f} ms" if row.target_ms else "—"
        out.append(
            [
                row.name,
                str(s["requests"]),
                f"{s['rps']:.1f}",
                _ms(s["p50_ms"]),
                _ms(s["p95_ms"]),
                _ms(s["p99_ms"]),
                _ms(s["server_p95_ms"]),
                str(s["errors"]),
                str(s["limited_429"]),
                target,
                "PASS" if row.passed else "FAIL",
            ]
        )
    return out


def markdown_table(header, rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def text_table(header, rows) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [header, *rows])


def _load(values: tuple) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "?"


def database_section(result: DatabaseResult) -> list[str]:
    lines = [f"## {result.version or result.kind}", ""]
    lines.append(f"Database: {result.note}. Built in {result.build_seconds:.0f} s.")
    if result.failure:
        lines += ["", f"**The run failed: {result.failure}**"]
    w = result.warm_up
    if w:
        built = (
            f"every worker had built its match index in the background ({w['index_ready_s']:.0f}"
            " s, seen on /healthz) and "
            if "index_ready_s" in w
            else ""
        )
        first = (
            "each worker's first match list after that took "
            if "index_ready_s" in w
            else "each worker's first match list (loading the models and building its index) took "
        )
        lines.append(
            f"Warm-up: {w['seconds']:.0f} s until {built}every worker had answered a match list "
            f"({w['requests']} requests, {w['concurrency']} at a time, {w['errors']} errors, "
            f"{w['worker_timeouts']} worker timeouts); "
            + first
            + ", ".join(f"{ms / 1000:.1f} s" for ms in w["first_match_ms_per_worker"])
            + " inside the worker; resident memory per worker afterwards: "
            + ", ".join(f"{mb:,} MiB" for mb in w["worker_rss_mb"])
            + "."
        )
    lines.append(
        f"Load average (1/5/15 min) at the start of this pass {_load(result.load_before)}, "
        f"at its end {_load(result.load_after)}."
    )
    if result.rows:
        lines += ["", *markdown_table(COLUMNS, table_rows(result.rows))]
    p = result.proposals
    if p is not None:
        lines += [
            "",
            f"Proposals at the deadline: {p.providers} providers, each signed in beforehand "
            f"({p.sign_in_seconds:.0f} s for all), wrote and submitted a proposal (form, save, "
            f"page, submit) as the load line above says; the call's deadline "
            f"was set {p.deadline_seconds:.0f} s ahead when they started and all were done in "
            f"{p.seconds:.1f} s. Counted in the database afterwards: "
            f"**{'PASS' if p.passed else 'FAIL'}**",
            "",
            *markdown_table(
                ("check", "value"), [[k.replace("_", " "), str(v)] for k, v in p.check.items()]
            ),
        ]
    if result.search_hits:
        hits = ", ".join(f"{term} {n:,}" for term, n in result.search_hits.items())
        lines += ["", f"Search terms cycled through, with the needs each finds: {hits}."]
    if result.server:
        lines += [
            "",
            "Server log: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.server.items())
            + ".",
        ]
    if result.notes:
        lines += ["", *[f"- {note}" for note in result.notes]]
    errors = [f"{row.name}: {dict(row.error_kinds)}" for row in result.rows if row.errors]
    if errors:
        lines += ["", "Errors by kind: " + "; ".join(errors) + "."]
    return [*lines, ""]


def as_json(header: dict, results: list[DatabaseResult]) -> dict:
    """The same figures for scripts (and the smoke test)."""
    return {
        "header": header,
        "databases": [
            {
                "kind": r.kind,
                "version": r.version,
                "failure": r.failure,
                "passed": r.passed,
                "counts": r.counts,
                "warm_up": r.warm_up,
                "search_hits": r.search_hits,
                "server": r.server,
                "notes": r.notes,
                "rows": [{"name": row.name, **row.summary()} for row in r.rows],
                "proposals": None
                if r.proposals is None
                else {
                    "passed": r.proposals.passed,
                    "seconds": r.proposals.seconds,
                    **r.proposals.check,
                },
            }
            for r in results
        ],
    }


def write_report(path: Path, header: dict, results: list[DatabaseResult]) -> str:
    facts = header["machine"]
    lines = [
        "# Load run",
        "",
        f"Written by `make load` (`python -m matchmaker.loadtest {header['argv']}`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Loopback only; bounded in time and count.",
        "",
        *markdown_table(
            ("", ""),
            [
                ["machine", f"{facts['cpu']}, {facts['ram']} RAM, {facts['os']}"],
                [
                    "software",
                    f"Python {facts['python']}, gunicorn {facts['gunicorn']}, "
                    + ", ".join(r.version for r in results if r.version),
                ],
                ["server", header["server"]],
                ["load", header["load"]],
                ["data", header["data"]],
                ["vectors", header["vectors"]],
                ["load average", header["loadavg"]],
                [
                    "targets",
                    "p95 < 200 ms for pages, < 300 ms for the match list, at the users "
                    "setting; no errors (5xx, no answer, unexpected 4xx or content); 429s counted "
                    "apart; every proposal submitted exactly once",
                ],
            ],
        ),
        "",
        "`in worker p95` is the time gunicorn's access log gives for the request inside the "
        "worker; the difference to the client's p95 is time spent waiting for a free worker.",
        "",
    ]
    for result in results:
        lines += database_section(result)
    text = "\n".join(lines).rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text
