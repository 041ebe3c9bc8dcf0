"""docs/security.md is the generated table, up to date, and every checklist row is accounted for."""

from . import table


def test_every_row_is_tested_pending_or_not_applicable_and_in_one_state_only():
    assert table.problems() == []
    rows = table.rows()
    assert [r.id for r in rows] == [f"SEC-{n:02d}" for n in range(1, 101)]
    assert all(r.state in ("tested", "pending", "n/a") for r in rows)


def test_every_named_test_exists_where_the_table_says():
    for tests in table.named_tests().values():
        for where in tests:
            path, name = where.split("::")
            assert f"def {name}(" in (table.ROOT / path).read_text(), where


def test_docs_security_md_is_up_to_date():
    assert table.OUTPUT.read_text() == table.render(), (
        "docs/security.md is out of date: run .venv/bin/python -m tests.security.table")
