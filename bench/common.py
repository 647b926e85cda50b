"""Shared helpers for the benchmarks: databases, app environment, gunicorn, load generators, results.

Every figure is a RATIO against a baseline measured in the same run; absolute numbers are printed
for context only. Only 127.0.0.1 is ever targeted.
"""
from __future__ import annotations

import base64
import contextlib
import csv
import json
import os
import resource
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
RESULTS = Path(os.environ.get("BENCH_RESULTS", BENCH / "results"))
PG = dict(host="127.0.0.1", port="5432", user="postgres")
FULL = os.environ.get("FULL", "") == "1"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Fixed keys so every process of a run (gunicorn workers, loaders, in-process measurements)
# shares one key ring. Benchmark-only values; never used outside a throwaway database.
BENCH_KEYS = {
    "TIPLINE_SECRET_KEY": "bench-secret-key-" + "0" * 32,
    "TIPLINE_ENCRYPTION_KEYS": base64.urlsafe_b64encode(b"B" * 32).decode(),
    "TIPLINE_HMAC_KEY": "bench-hmac-key-" + "1" * 32,
}


def log(*args) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# --- databases ------------------------------------------------------------------------------


def db_url(name: str) -> str:
    return f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def libpq_dsn(name: str) -> str:
    return f"host={PG['host']} port={PG['port']} user={PG['user']} dbname={name}"


def _pg(cmd: list[str]) -> None:
    subprocess.run(cmd + ["-h", PG["host"], "-p", PG["port"], "-U", PG["user"]], check=True)


def create_db(name: str) -> None:
    drop_db(name)
    _pg(["createdb", name])


def drop_db(name: str) -> None:
    _pg(["dropdb", "--if-exists", "--force", name])


def db_exists(name: str) -> bool:
    out = subprocess.run(["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", "postgres", "-tAc",
                          f"select 1 from pg_database where datname = '{name}'"], capture_output=True, text=True)
    return out.stdout.strip() == "1"


def app_env(dbname: str, instance: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BENCH_KEYS)
    env.update({
        "TIPLINE_INSTANCE_PATH": str(instance),
        "TIPLINE_DATABASE_URL": db_url(dbname),
        "TIPLINE_SCHEDULER_ENABLED": "false",
        # Rate limiting is off in the measured apps (wsgi_bench.py); said explicitly so gunicorn.conf.py
        # accepts two workers on the per-worker store.
        "TIPLINE_RATELIMIT_STORAGE_URI": env.get("TIPLINE_RATELIMIT_STORAGE_URI", "memory://"),
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def apply_env(env: dict[str, str]) -> None:
    """Make this process see the same TIPLINE_* settings as the servers it measures."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TIPLINE_")})


def migrate(env: dict[str, str]) -> None:
    subprocess.run([str(VENV_BIN / "tipline"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def new_instance(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"tl-bench-{prefix}-"))


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GUNICORN_ARGS = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "60",
                 "--keep-alive", "5", "--log-level", "warning"]


class Gunicorn:
    """gunicorn with 2 gthread workers (4 threads each) on a free loopback port; same flags for every app.

    `app` is given from the project root (bench.bare_app:app), so bench/ itself is not on the workers' path."""

    def __init__(self, app: str, env: dict[str, str], log_path: Path):
        self.app, self.env, self.log_path = app, env, log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{self.port}",
                                      "--chdir", str(ROOT), self.app], env=self.env, cwd=ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited; see {self.log_path}")
            if len(self.workers()) == 2:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn {self.app} did not start; see {self.log_path}")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """User + system CPU used so far by this server's workers."""
        return sum(self.cpu_by_worker().values())

    def cpu_by_worker(self) -> dict[int, float]:
        """User + system CPU used so far by each worker (to see how the load was shared)."""
        return {pid: process_cpu_seconds(pid) for pid in self.workers()}

    def measure_balanced(self, run, label: str, attempts: int = 4, min_share: float = 0.25, prepare=None):
        """`run()` (one load window against this server) again until both workers did at least
        `min_share` of the window's work, at most `attempts` times; returns (result, worker CPU
        seconds per window tried). Load generators keep their keep-alive connections on the worker
        that accepted them, and at the start of a window one idle worker often accepts all of them:
        the window then measures a one-worker server at about half the throughput (seen in
        bench/queue.py: app page N at 44 vs 80 req/s, with one worker's CPU at 11.7 s and the
        other's at 0.02 s). Both sides of every ratio are held to the same rule. `prepare()`, if
        given, runs before each window, outside it."""
        tried = []
        for attempt in range(attempts):
            if prepare is not None:
                prepare()
            before = self.cpu_by_worker()
            result = run()
            after = self.cpu_by_worker()
            used = sorted((after[p] - before.get(p, 0.0) for p in after), reverse=True)
            tried.append([round(x, 2) for x in used])
            total = sum(used)
            if total > 0 and len(used) == 2 and used[-1] / total >= min_share:
                return result, tried
            log(f"{label}: workers shared the window {tried[-1]} (one idle): measuring again")
        return result, tried

    def peak_rss_mib(self) -> dict[int, float]:
        """VmHWM (peak resident set) of each worker, in MiB."""
        out = {}
        for pid in self.workers():
            with contextlib.suppress(OSError):
                m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                if m:
                    out[pid] = int(m.group(1)) / 1024
        return out

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # only the master we started; it stops its workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# --- load generators ------------------------------------------------------------------------


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), from /proc; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_cpu_seconds() -> float:
    """CPU used so far by every PostgreSQL process of this machine (backends, WAL writer, ...)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if Path(entry, "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += process_cpu_seconds(int(entry.name))
    return total


def run_locust(locustfile: Path, user_class: str, host: str, users: int, seconds: int, prefix: Path,
               env=None) -> dict:
    """Headless locust in its own process; returns {name: {rps, p50, p95, count, failures}}."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(VENV_BIN / "locust"), "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users),
           "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
           "--loglevel", "WARNING", user_class]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env or os.environ, check=False, stdout=subprocess.DEVNULL,
                   stderr=open(str(prefix) + ".log", "w"), timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The load generator shares the 2 cores with the server: what it used is reported too.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats = {"_load_generator": {"cpu_s": cpu, "seconds": seconds}}
    with open(str(prefix) + "_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "count": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
                "avg_ms": float(row["Average Response Time"] or 0),
            }
            s = stats[row["Name"]]
            s["completed_rps"] = s["rps"] * (s["count"] - s["failures"]) / s["count"] if s["count"] else 0.0
    return stats


WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50_us=%d p95_us=%d requests=%d duration_us=%d non2xx=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(95), summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(url: str, seconds: int, connections: int = 4, headers: dict | None = None) -> dict:
    """wrk (2 threads) against one URL; returns rps, p50 and p95 in ms, and error counts."""
    lua = RESULTS / "wrk_report.lua"
    RESULTS.mkdir(parents=True, exist_ok=True)
    lua.write_text(WRK_LUA)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(lua)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.search(r"BENCH p50_us=(\d+) p95_us=(\d+) requests=(\d+) duration_us=(\d+) non2xx=(\d+) errors=(\d+)", out)
    if not m:
        raise RuntimeError("wrk output not understood:\n" + out)
    p50, p95, n, dur, non2xx, errors = map(int, m.groups())
    return {"rps": n / (dur / 1e6), "p50_ms": p50 / 1000, "p95_ms": p95 / 1000, "requests": n,
            "non2xx": non2xx, "errors": errors}


# --- results --------------------------------------------------------------------------------


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = dict(data, recorded_at=time.strftime("%Y-%m-%d %H:%M:%S"), full_sizes=FULL, cores=os.cpu_count(),
                loadavg_1_5_15=os.getloadavg())  # the machine is shared: other work skews absolute numbers
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    log(f"saved {path}")
    return path


def verdict(ratio: float, goal: float, higher_is_better: bool = True) -> str:
    ok = ratio >= goal if higher_is_better else ratio <= goal
    return "met" if ok else "NOT met"
