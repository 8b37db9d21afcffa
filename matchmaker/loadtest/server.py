"""gunicorn as `make serve` runs it (production settings, several workers) on a loopback port,
with an access log that names the worker of each request and its time inside the worker."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from matchmaker.config import ROOT
from matchmaker.loadtest.client import Browser

SERVING_MODULE = ROOT / "matchmaker" / "serving.py"
# the worker's pid, status, method, path and the time spent in the worker (microseconds), for
# gunicorn's own access logger; matchmaker.serving logs JSON lines (or text) with the same facts
ACCESS_FORMAT = '%(p)s %(s)s %(m)s "%(U)s" %(D)s'
ACCESS_LINE = re.compile(r'^<?(\d+)>? (\d{3}) (\S+) "([^"]*)" (\d+)$')
SERVING_TEXT_LINE = re.compile(r'"(\S+) ([^"]*)" (\d{3}) \d+ ([\d.]+)ms .* pid=(\d+)$')
# used only while matchmaker/serving.py does not exist
FALLBACK_OPTIONS = ["--graceful-timeout", "30"]


@dataclass
class AccessEntry:
    pid: int
    status: int
    method: str
    path: str
    ms: float


def parse_access(line: str) -> AccessEntry | None:
    """One access-log line in any of the three formats, or None for other lines."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
            return AccessEntry(
                int(record["pid"]),
                int(record["status"]),
                record["method"],
                record["path"],
                float(record["duration_ms"]),
            )
        except (ValueError, KeyError, TypeError):
            return None
    if found := ACCESS_LINE.match(line):
        pid, status, method, path, micros = found.groups()
        return AccessEntry(int(pid), int(status), method, path, int(micros) / 1000)
    if found := SERVING_TEXT_LINE.search(line):
        method, path, status, ms, pid = found.groups()
        return AccessEntry(int(pid), int(status), method, path, float(ms))
    return None


@dataclass
class Server:
    database_url: str
    instance: Path
    host: str
    port: int
    workers: int
    matching_config: str | None = None
    worker_timeout: int | None = None  # gunicorn --timeout; None: the configuration's
    process: subprocess.Popen | None = None
    config_used: str = ""
    log_offset: int = 0
    extra_env: dict = field(default_factory=dict)

    @property
    def access_log(self) -> Path:
        return self.instance / "access.log"

    @property
    def error_log(self) -> Path:
        return self.instance / "gunicorn.log"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "gunicorn"]
        if SERVING_MODULE.is_file():
            cmd += ["--config", "python:matchmaker.serving"]
            self.config_used = "--config python:matchmaker.serving (as make serve)"
        else:
            cmd += FALLBACK_OPTIONS
            self.config_used = "explicit options (matchmaker/serving.py absent)"
        if self.worker_timeout:
            cmd += ["--timeout", str(self.worker_timeout)]
            self.config_used += f" with --timeout {self.worker_timeout}"
        return [
            *cmd,
            "--workers",
            str(self.workers),
            "--bind",
            f"{self.host}:{self.port}",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            ACCESS_FORMAT,
            "--error-logfile",
            str(self.error_log),
            "matchmaker:create_app()",
        ]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHMAKER_")}
        env.update(
            {
                "MATCHMAKER_ENV": "production",
                "MATCHMAKER_SECRET_KEY": secrets.token_hex(32),
                "MATCHMAKER_DATABASE_URL": self.database_url,
                "MATCHMAKER_INSTANCE_PATH": str(self.instance),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.matching_config:
            env["MATCHMAKER_MATCHING_CONFIG"] = self.matching_config
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        self.instance.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            self.command(),
            cwd=ROOT,
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=(self.instance / "gunicorn.stderr").open("wb"),
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 120.0) -> None:
        """Until `path` answers 200 (the master forked and a worker imported the app)."""
        deadline = time.monotonic() + timeout
        browser = Browser(self.host, self.port, timeout=10)
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.tail()}")
            reply = browser.get(path)
            if reply.status == 200:
                browser.close()
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer {path} within {timeout:.0f} s: {self.tail()}")

    def wait_indexes_ready(self, timeout: float) -> float:
        """Until every live worker says on /healthz that its match index is built (each builds
        it in a background thread once started; match lists say "being prepared" until then);
        the seconds that took."""
        started = time.monotonic()
        browser = Browser(self.host, self.port, timeout=10)
        ready: set[int] = set()
        while not ((live := self.worker_pids()) and live <= ready):
            if time.monotonic() - started > timeout:
                raise RuntimeError(
                    f"only workers {sorted(ready & live)} of {sorted(live)} built their match "
                    f"index within {timeout:.0f} s: {self.last_messages(5)}"
                )
            reply = browser.get("/healthz")
            browser.close()  # a new connection, so that another worker may answer
            with contextlib.suppress(ValueError, KeyError, TypeError):
                matcher = json.loads(reply.body)["checks"]["matcher"]
                if matcher.get("index") == "ready":
                    ready.add(int(matcher["worker"]))
            time.sleep(0.2)
        return time.monotonic() - started

    def tail(self, lines: int = 15) -> str:
        text = ""
        for log in (self.error_log, self.instance / "gunicorn.stderr"):
            if log.is_file():
                text += log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def last_messages(self, count: int = 5) -> str:
        """The last log messages, short: the message field of JSON lines, cut to 200 chars."""
        out = []
        for line in self.tail(lines=count).splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                line = str(json.loads(line).get("message", line))
            out.append(line[:200])
        return " | ".join(out)

    def worker_pids(self) -> set[int]:
        """Live children of the gunicorn master (read from /proc)."""
        if not self.process:
            return set()
        master, found = self.process.pid, set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.add(int(stat.parent.name))
        return found

    def worker_rss_mb(self) -> list[int]:
        """Resident memory of each live worker, in MiB."""
        sizes = []
        for pid in sorted(self.worker_pids()):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmRSS:\s+(\d+) kB", status)
            if found:
                sizes.append(int(found.group(1)) // 1024)
        return sizes

    def mark(self) -> None:
        """Later `entries()` calls return only what was logged after this point."""
        self.log_offset = self.access_log.stat().st_size if self.access_log.exists() else 0

    def entries(self) -> list[AccessEntry]:
        if not self.access_log.exists():
            return []
        with self.access_log.open("rb") as f:
            f.seek(self.log_offset)
            text = f.read().decode("utf-8", "replace")
        return [entry for line in text.splitlines() if (entry := parse_access(line.strip()))]

    def problems(self) -> dict[str, int]:
        """Tracebacks, worker timeouts and errors the server logged during the run."""
        text = self.tail(lines=10**9)
        return {
            "tracebacks": text.count("Traceback (most recent call last)"),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "error_lines": len(re.findall(r"\[ERROR\]|\bERROR\b", text)),
        }

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
