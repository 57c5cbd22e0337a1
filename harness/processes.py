"""Real processes for the tools: the sandbox server, Celery workers (plain, or killable with
SIGKILL and restartable) and a private `redis-server`. Each failure to start raises
HarnessError with the last lines the process wrote."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from qbo_sandbox.testing import free_port, start_subprocess

ROOT = Path(__file__).resolve().parents[1]
READY = " ready."  # what `celery worker --loglevel INFO` logs once it consumes


class HarnessError(RuntimeError):
    """A process of the harness could not be started; the message says what it wrote."""


def log_tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def stop_process(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- the sandbox ---------------------------------------------------------------------------

def start_sandbox(data_dir: str | Path, *extra_args: str, port: int | None = None,
                  sample_data: bool = False, expect_url: str | None = None,
                  ) -> tuple[subprocess.Popen, str]:
    """`python -m qbo_sandbox` on `port` (a free one if None), bare companies unless
    `sample_data`; returns (process, base URL) once it is ready. Its output is drained so a
    chatty server never blocks on a full pipe. `expect_url`: the URL settings were given
    before it started (HarnessError if it listens elsewhere)."""
    process, base_url = start_subprocess(data_dir, port, *extra_args, sample_data=sample_data)
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    if expect_url is not None and base_url != expect_url:
        stop_process(process)
        raise HarnessError(f"the sandbox listens on {base_url}, not on {expect_url}")
    return process, base_url


# --- Celery workers ------------------------------------------------------------------------

def celery_worker_command(*, queues: str = "sync,bulk", pool: str = "prefork",
                          concurrency: int = 2, loglevel: str = "INFO",
                          name: str | None = None, beat_schedule: Path | None = None,
                          purge: bool = False, quiet: bool = True) -> list[str]:
    """`celery -A hatsync worker ...` with this interpreter. `beat_schedule`: run beat inside
    (-B, so the sweeper runs) with that schedule file; `quiet`: no gossip, mingle or
    heartbeat (a worker alone on its broker)."""
    command = [sys.executable, "-m", "celery", "-A", "hatsync", "worker"]
    if beat_schedule is not None:
        command += ["-B", "--schedule", str(beat_schedule)]
    if name is not None:
        command += ["-n", name]
    command += ["-Q", queues, "--pool", pool, "--concurrency", str(concurrency),
                "--loglevel", loglevel]
    if quiet:
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if purge:
        command.append("--purge")
    return command


def start_worker(command: Sequence[str], *, env: dict, log_path: Path, append: bool = False,
                 own_session: bool = False) -> subprocess.Popen:
    """Start the worker with its output in `log_path` (which it keeps open). `own_session`:
    a process group of its own, so one signal reaches its pool processes and beat too."""
    log = open(log_path, "a" if append else "w")
    try:
        return subprocess.Popen(  # noqa: S603 - our own interpreter's celery
            list(command), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=own_session)
    finally:
        log.close()


def wait_for_ready(process: subprocess.Popen, log_path: Path, *, starts: int = 1,
                   timeout: float = 60) -> None:
    """Until the log says " ready." `starts` times (a log appended to by each restart)."""
    deadline = time.monotonic() + timeout
    while log_path.read_text(errors="replace").count(READY) < starts:
        if process.poll() is not None:
            raise HarnessError(f"the worker exited at start:\n{log_tail(log_path)}")
        if time.monotonic() > deadline:
            raise HarnessError(f"the worker did not start in {timeout:.0f} s:\n"
                               f"{log_tail(log_path)}")
        time.sleep(0.2)


def wait_for_ping(process: subprocess.Popen, log_path: Path, name: str,
                  ping: Callable[[], list[dict]], timeout: float = 60) -> None:
    """Until a node whose name starts with `name` answers `ping` (the Celery app's
    `control.ping`, say)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"the worker exited at start:\n{log_tail(log_path)}")
        if any(node.startswith(name) for reply in ping() for node in reply):
            return
    raise HarnessError(f"the worker did not answer a ping in {timeout:.0f} s:\n"
                       f"{log_tail(log_path)}")


class KillableWorker:
    """`celery worker -B` (prefork, beat inside so the sweeper runs) on both queues, in a
    session of its own so SIGKILL reaches its pool processes and its beat at once. `env` is
    read at each start (a test may change it before). `name`: a node name per start
    ("soak{n}@%h"); `purge_first`: drop what waits in the broker at the first start;
    `schedule`: the beat schedule file per start ("{n}" is the start's number)."""

    def __init__(self, env: dict, var_dir: Path, *, concurrency: int = 2,
                 log_name: str = "worker.log", name: str | None = None,
                 schedule: str = "beat-schedule", purge_first: bool = False):
        self.env = env
        self.var_dir = var_dir
        self.concurrency = concurrency
        self.log_path = var_dir / log_name
        self.name = name
        self.schedule = schedule
        self.purge_first = purge_first
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0
        self.exits: list[str] = []  # times it stopped by itself, with its last words

    def start(self) -> None:
        command = celery_worker_command(
            concurrency=self.concurrency,
            name=self.name.format(n=self.starts) if self.name else None,
            beat_schedule=self.var_dir / self.schedule.format(n=self.starts),
            purge=self.purge_first and self.starts == 0)
        self.process = start_worker(command, env=self.env, log_path=self.log_path,
                                    append=True, own_session=True)
        self.starts += 1
        wait_for_ready(self.process, self.log_path, starts=self.starts)

    def kill(self) -> None:
        """SIGKILL to the worker, its pool processes and its beat: nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.kills += 1

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart_if_exited(self, within: float = 0) -> bool:
        """What a supervisor does (compose's `restart: unless-stopped`): if the worker has
        exited, or exits within `within` seconds, note its last words and start it again.
        True when it had to."""
        if self.process is None:
            return False
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        last = [line for line in self.log().splitlines()
                if "CRITICAL/" in line or "ERROR/" in line]
        self.exits.append(f"exit status {self.process.returncode}: "
                          f"{last[-1] if last else self.tail(3)}")
        self.process = None
        self.start()
        return True

    @property
    def running(self) -> bool:
        return self.process is not None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def errors(self) -> list[str]:
        """ERROR lines, but for the pool processes' exits that the harness itself caused."""
        return [line for line in self.log().splitlines()
                if ("ERROR/" in line or "CRITICAL/" in line)
                and "exited with 'signal 15 (SIGTERM)'" not in line  # stopped at the end
                and "exited with 'signal 9 (SIGKILL)'" not in line]  # our own kills


# --- a private broker ----------------------------------------------------------------------

class PrivateRedis:
    """`redis-server` on a free loopback port, keeping nothing on disk; restartable (on the
    same port, empty)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(  # noqa: S603 - redis-server from PATH, our arguments
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",  # noqa: S607
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError as error:
                if time.monotonic() > deadline:
                    raise HarnessError("redis-server did not start") from error
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
