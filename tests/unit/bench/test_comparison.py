"""`bench.comparison`: a previous results file read back, before → after rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.comparison import (
    LIGHT_SUFFIX,
    Baseline,
    Measured,
    before_after_rows,
    parse_results,
    read_baseline,
)


def _table(*rows: str) -> str:
    """A markdown table from rows written with `;` between cells."""
    lines = ["| " + " | ".join(cell.strip() for cell in row.split(";")) + " |" for row in rows]
    return "\n".join([lines[0], "|" + "---|" * (lines[0].count("|") - 1), *lines[1:]])


_OLD_HEADERS = (
    "scenario; req/s; p50 ms; p99 ms; errors; target; of HTTP ceiling; of DB ceiling;"
    " server CPU ms/req; PG CPU ms/req; other CPU"
)
OLD_FORMAT = "\n\n".join(
    [
        "# Invoicery benchmark, 2026-12-04",
        "## Scenarios",
        _table(
            _OLD_HEADERS,
            "POST /oauth/token; 3,047; 20.1; 63.3; 30,702; –; 12.8 %; 13.5 % of insert;"
            " 0.55; 0.00; 0.23",
            "GET /api/v1/invoices/{id}/download (cached); skipped; ; ; ; –; ; ; ; ; ",
        ),
        "- GET /invoices/{id}: random ids",
        "## Ceilings",
        _table(
            "ceiling; req/s or TPS; p50 ms; p99 ms; errors; server CPU ms/req; other CPU",
            "HTTP: FastAPI + granian; 23,845; 2.55; 5.57; 0; 0.07; 0.01",
        ),
    ]
)

NEW_FORMAT = "\n\n".join(
    [
        "## Scenarios",
        _table(
            _OLD_HEADERS.replace("other CPU", "worker CPU ms/req; other CPU"),
            "GET /invoices/{id}; 1,304; 48.9; 94.4; 0; ≥ 4,500/s, p99 ≤ 30 ms; 5.5 % (≥ 25 %);"
            " 1.7 % of select; 1.10 (≤ 0.2); 0.30; 0.01; 0.15",
            "GET /invoices?customer_id&due_date_\\|x; 528; 118.0; 178.6; 0; p99 ≤ 50 ms;"
            " 2.2 %; 0.7 %; 2.52 (≤ 0.8); 1.00; 0.00; 0.08",
        ),
        "## Light load",
        _table(
            "scenario; connections; req/s; p50 ms; p99 ms (target); errors; server CPU ms/req;"
            " other CPU",
            "GET /invoices/{id}; 8; 900; 3.10; 4.20 (≤ 5); 0; 0.90; 0.05",
        ),
    ]
)


def test_reads_the_scenario_rows_of_the_format_before_issue_13() -> None:
    found = parse_results(OLD_FORMAT)

    assert found == {
        "POST /oauth/token": Measured(3047.0, 63.3, 0.55),
        "GET /api/v1/invoices/{id}/download (cached)": Measured(None, None, None),
    }


def test_reads_cells_with_targets_escaped_pipes_and_the_light_load_table() -> None:
    found = parse_results(NEW_FORMAT)

    assert found["GET /invoices/{id}"] == Measured(1304.0, 94.4, 1.10)
    assert found["GET /invoices?customer_id&due_date_|x"] == Measured(528.0, 178.6, 2.52)
    assert found["GET /invoices/{id}" + LIGHT_SUFFIX] == Measured(900.0, 4.2, 0.9)


def test_a_file_without_a_scenario_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("# nothing here\n")

    with pytest.raises(ValueError, match="no '## Scenarios' table"):
        read_baseline(path)


def test_rows_pair_before_and_after_and_keep_scenarios_of_either_run() -> None:
    baseline = Baseline(
        "before.md",
        {"GET one": Measured(1000.0, 90.0, 1.0), "GET gone": Measured(10.0, 5.0, 2.0)},
    )
    after = {"GET one": Measured(2000.0, 45.0, 0.25), "GET new": Measured(5.0, 1.0, None)}

    rows = before_after_rows(baseline, after)

    assert rows == [
        ["GET one", "1,000 → 2,000", "90.0 → 45.0", "1.00 → 0.25", "-75 %"],
        ["GET new", "– → 5", "– → 1.0", "– → –", "–"],
        ["GET gone", "10 → –", "5.0 → –", "2.00 → –", "–"],
    ]
