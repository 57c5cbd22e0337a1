"""The sandbox used by another project: no import of hatsync, the pytest plugin in
`qbo_sandbox.testing`, and the `qbo-sandbox` command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.request import urlopen

import qbo_sandbox
from qbo_sandbox.testing import free_port

REPO = Path(qbo_sandbox.__file__).resolve().parent.parent


def run_python(*args: str, cwd: Path | None = None,
               timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_qbo_sandbox_imports_none_of_hatsyncs_packages():
    script = textwrap.dedent("""
        import pkgutil, sys, json
        import qbo_sandbox
        for module in pkgutil.walk_packages(qbo_sandbox.__path__, "qbo_sandbox."):
            if module.name != "qbo_sandbox.__main__":
                __import__(module.name)
        __import__("qbo_sandbox.__main__")
        print(json.dumps(sorted(sys.modules)))
    """)

    done = run_python("-c", script, cwd=REPO)

    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "qbo_sandbox.reports" in loaded and "qbo_sandbox.testing" in loaded
    project = [name for name in loaded
               if name.split(".")[0] in ("hatsync", "invoices", "integrations", "django")]
    assert project == []


def test_the_pytest_plugin_gives_another_project_a_connected_sandbox(tmp_path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["qbo_sandbox.testing"]\n')
    (tmp_path / "test_other_project.py").write_text(textwrap.dedent("""
        import json
        from urllib.request import Request, urlopen

        from quickbooks.objects.customer import Customer


        def test_plain_http_with_the_fixtures_token(qbo_sandbox):
            request = Request(qbo_sandbox.api_url + "/companyinfo/" + qbo_sandbox.realm,
                              headers={"Authorization": "Bearer " + qbo_sandbox.access_token,
                                       "Accept": "application/json"})
            with urlopen(request) as answer:
                info = json.loads(answer.read())["CompanyInfo"]
            assert info["CompanyName"] == "Craig's Design and Landscaping Services"
            assert qbo_sandbox.base_url.startswith("http://127.0.0.1:")
            assert qbo_sandbox.discovery_url.endswith("/.well-known/openid_sandbox_configuration/")


        def test_python_quickbooks_and_the_control_api(qbo_sandbox):
            qb = qbo_sandbox.quickbooks()
            assert len(Customer.all(max_results=5, qb=qb)) == 5
            report = qb.get_report("CustomerBalance")
            assert report["Header"]["ReportName"] == "CustomerBalance"
            assert qbo_sandbox.control("GET", "clock")["now"] > 0
            other = qbo_sandbox.connect("9341453108260002")
            assert other.realm == "9341453108260002" and other.access_token
    """))

    done = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django",
                      "--qbo-sandbox-latency-ms=1", cwd=tmp_path)

    assert "2 passed" in done.stdout, done.stdout + done.stderr


def test_the_command_runs_without_a_data_folder_and_removes_its_own_on_exit():
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "qbo_sandbox", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        assert lines[0].strip() == f"qbo_sandbox listening on http://127.0.0.1:{port}"
        assert f"http://127.0.0.1:{port}/.well-known/openid_sandbox_configuration/" in lines[1]
        data_dir = Path(re.search(r"data: (\S+)", lines[4]).group(1))
        assert (data_dir / "sandbox.sqlite3").exists()
        with urlopen(f"http://127.0.0.1:{port}/.well-known/openid_sandbox_configuration/") as r:
            assert json.loads(r.read())["token_endpoint"].endswith("/oauth2/v1/tokens/bearer")
    finally:
        process.terminate()
        process.wait(timeout=15)
    deadline = time.monotonic() + 5
    while data_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not data_dir.exists()
