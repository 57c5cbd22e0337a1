"""Repository-wide pytest hooks: in CI a skipped test is a failure, never a quiet pass."""

import os

import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if _in_ci() and skipped:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) skipped; a skip in CI is a failure.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
