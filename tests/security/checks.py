"""Run existing tests of the suite under the name of the checklist row they prove.

Many rows of ../shared/reference/security-checklist.md were first tested under descriptive
names; `rows(*tests)` parametrizes a `test_sec_NN_*` function with them, and `run(case, request)`
calls each with fresh fixtures of its own (resolved by name, as pytest would), expanding the
test's own `parametrize` marks. Nothing is copied: the assertions are the original test's.
"""

from __future__ import annotations

import inspect
import itertools

import pytest


def _combinations(test) -> list[tuple[dict, str]]:
    """[(parameters, id)] of a test's own parametrize marks; [({}, "")] when it has none."""
    axes = []
    for mark in reversed(getattr(test, "pytestmark", [])):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        axis = []
        for index, value in enumerate(values):
            if hasattr(value, "values") and hasattr(value, "marks"):  # a pytest.param(...)
                value = value.values
            elif len(names) == 1:
                value = (value,)
            axis.append((dict(zip(names, value, strict=True)), str(index)))
        axes.append(axis)
    result = []
    for combo in itertools.product(*axes):
        params, ids = {}, []
        for part, ident in combo:
            params.update(part)
            ids.append(ident)
        result.append((params, "-".join(ids)))
    return result


def rows(*tests):
    """parametrize("case", …): one case per (test, own parameters), named after the test."""
    cases = []
    for test in tests:
        for params, suffix in _combinations(test):
            name = test.__name__.removeprefix("test_") + (f"[{suffix}]" if suffix else "")
            cases.append(pytest.param((test, params), id=name))
    return pytest.mark.parametrize("case", cases)


def run(case, request) -> None:
    test, params = case
    kwargs = {}
    for name in inspect.signature(test).parameters:
        kwargs[name] = params[name] if name in params else request.getfixturevalue(name)
    test(**kwargs)
