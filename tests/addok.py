"""A real Addok geocoder on loopback, for tests that geocode with no Internet access.

Addok is the search engine behind api-adresse.data.gouv.fr (the BAN, France's national address
base). `AddokServer` configures it as that service is configured (the addok-france and addok-fr
plugins, documents in SQLite through addok-sqlite-store, indexes in a dedicated Redis database),
loads tests/data/ban_addresses.ndjson with addok's own `addok batch` and `addok ngrams`, and
serves it with `addok serve` in a subprocess, so geopy's
``BANFrance(domain=server.domain, scheme="http")`` talks to it as it would to the real service.

Addok lives in its own virtualenv, .venv/addok: every addok release pins redis exactly
(addok 1.3.2 wants redis==6.4.0, the app redis==8.1.0), and Addok only ever runs in
subprocesses here anyway. `python -m tests.addok install` creates it from the "#addok" lines of
requirements-dev.txt. ADDOK_BIN may name another `addok` executable.

    with AddokServer(tmp_path) as server:
        geocoder = BANFrance(domain=server.domain, scheme="http", timeout=5)
        server.stop()   # the geocoder is unreachable: connection refused
        server.start()  # back on the same port, with the same data

One Redis database (ADDOK_TEST_REDIS_DB, 11 by default) is flushed and filled; a lock file
makes a second test run on this machine wait for the first one's server to close.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, TextIO

import redis

REPO = Path(__file__).resolve().parent.parent
DATA_FILE = Path(__file__).resolve().parent / "data" / "ban_addresses.ndjson"
REQUIREMENTS = REPO / "requirements-dev.txt"
#: Addok's own virtualenv (inside .venv, so git ignores it and `make clean` removes it).
VENV = REPO / ".venv" / "addok"
PIN_PREFIX = "#addok "
PLUGINS = ("addok_france", "addok_fr", "addok_sqlite_store")

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = int(os.environ.get("ADDOK_TEST_REDIS_DB", "11"))
HOST = "127.0.0.1"

# As api-adresse.data.gouv.fr configures Addok for the BAN (addok's tutorial and the plugins'
# READMEs), with the documents in SQLite and both Redis roles in one dedicated database.
CONFIG = """\
REDIS = {{
    "host": {redis_host!r},
    "port": {redis_port!r},
    "indexes": {{"db": {redis_db!r}}},
    "documents": {{"db": {redis_db!r}}},
}}
DOCUMENT_STORE_PYPATH = "addok_sqlite_store.SQLiteStore"
SQLITE_DB_PATH = {sqlite_path!r}
LOG_DIR = {log_dir!r}
BATCH_WORKERS = 1
EXTRA_FIELDS = [
    {{"key": "citycode"}},
    {{"key": "oldcitycode"}},
    {{"key": "oldcity"}},
    {{"key": "district"}},
]
FILTERS = ["type", "citycode", "postcode"]
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
"""


class AddokError(RuntimeError):
    """Addok could not load the data or start; the message ends with its log."""


def addok_executable() -> Path | None:
    """The `addok` command to run: $ADDOK_BIN, else .venv/addok's, else one beside this
    interpreter (an addok installed into the app's own virtualenv)."""
    candidates = [os.environ.get("ADDOK_BIN"), VENV / "bin" / "addok"]
    candidates.append(Path(sys.executable).parent / "addok")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return Path(candidate)
    return None


def _redis() -> redis.Redis:
    return redis.Redis(
        host=REDIS_HOST,
        port=REDIS_PORT,
        db=REDIS_DB,
        socket_connect_timeout=2,
        socket_timeout=5,
    )


def addok_available() -> str | None:
    """None when an Addok can run here, else why not (for `pytest.skip(reason)`)."""
    executable = addok_executable()
    if executable is None:
        return (
            f"Addok is not installed (no {VENV}/bin/addok, no ADDOK_BIN): "
            "run `.venv/bin/python -m tests.addok install`"
        )
    python = executable.parent / "python"
    check = "import addok, " + ", ".join(PLUGINS)
    try:
        subprocess.run(
            [python, "-c", check], check=True, capture_output=True, timeout=30, env=_clean_env()
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"Addok's plugins ({', '.join(PLUGINS)}) do not import with {python}: {error}"
    client = _redis()
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT} (Addok's index): {error}"
    finally:
        client.close()
    return None


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would reconfigure Addok behind our back."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ADDOK_", "REDIS_")) and key != "SQLITE_DB_PATH"
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class AddokServer:
    """Addok loaded with `data_file` and served on http://127.0.0.1:`port`.

    `load()` (re)builds the index, `start()` serves it, `stop()` stops serving (connections are
    then refused), `start()` again serves the same data on the same port. As a context manager
    it loads and starts, and on exit stops, flushes its Redis database and lets the next run in.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str] | None = None,
        *,
        data_file: str | os.PathLike[str] = DATA_FILE,
        port: int | None = None,
        executable: str | os.PathLike[str] | None = None,
        lock_timeout: float = 120.0,
    ) -> None:
        found = executable or addok_executable()
        if found is None:
            raise AddokError(addok_available() or "Addok is not installed")
        self.executable = Path(found)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="addok-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_file = Path(data_file)
        self.port = port or free_port()
        self.config_path = self.workdir / "addok_test.conf"
        self.sqlite_path = self.workdir / "addok.db"
        self.log_path = self.workdir / "addok.log"
        self.lock_timeout = lock_timeout
        self.load_seconds: float | None = None
        self.start_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock: TextIO | None = None
        self._log: TextIO | None = None
        self._loaded = False

    # -- where it answers ----------------------------------------------------------------

    @property
    def domain(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.domain}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- life cycle ----------------------------------------------------------------------

    def load(self) -> None:
        """Write the config, flush the Redis database and the SQLite file, then
        `addok batch DATA_FILE` and `addok ngrams`."""
        self._acquire_lock()
        began = time.monotonic()
        self.config_path.write_text(
            CONFIG.format(
                redis_host=REDIS_HOST,
                redis_port=REDIS_PORT,
                redis_db=REDIS_DB,
                sqlite_path=str(self.sqlite_path),
                log_dir=str(self.workdir),
            ),
            encoding="utf-8",
        )
        self._flush()
        self._run("batch", str(self.data_file))
        self._run("ngrams")
        self._loaded = True
        self.load_seconds = time.monotonic() - began

    def start(self, timeout: float = 20.0) -> None:
        """Serve on `port` (loading first if needed) and return once a search answers."""
        if self.running:
            return
        if not self._loaded:
            self.load()
        began = time.monotonic()
        self._log = self._log or self.log_path.open("a", encoding="utf-8")
        self._log.write(f"\n== addok serve on {self.domain}\n")
        self._log.flush()
        self._process = subprocess.Popen(
            [self.executable, "serve", "--host", HOST, "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.workdir,
        )
        deadline = began + timeout
        while True:
            if self._process.poll() is not None:
                self._process = None
                raise AddokError(f"addok serve exited on {self.domain}\n{self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                self.search("vienne", limit=1, timeout=1)
                break
            if time.monotonic() > deadline:
                self.stop()
                raise AddokError(
                    f"addok serve did not answer within {timeout} s\n{self.log_tail()}"
                )
            time.sleep(0.05)
        self.start_seconds = time.monotonic() - began

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving; the port then refuses connections until `start()`."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)

    def close(self) -> None:
        """Stop, empty the Redis database and release it to the next run."""
        self.stop()
        try:
            if self._lock is not None:
                self._flush()
        finally:
            self._loaded = False
            if self._log is not None:
                self._log.close()
                self._log = None
            self._release_lock()

    def __enter__(self) -> AddokServer:
        try:
            self.load()
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- talking to it -------------------------------------------------------------------

    def search(self, q: str, *, limit: int = 5, timeout: float = 5, **params: Any) -> dict:
        """GET /search/ as the BAN API answers it: a GeoJSON FeatureCollection."""
        query = urllib.parse.urlencode({"q": q, "limit": limit, **params})
        with urllib.request.urlopen(f"{self.url}/search/?{query}", timeout=timeout) as response:  # noqa: S310 (our own loopback URL)
            return json.load(response)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    # -- inside --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return _clean_env(ADDOK_CONFIG_MODULE=str(self.config_path))

    def _run(self, *args: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"\n== addok {' '.join(args)}\n")
            log.flush()
            result = subprocess.run(
                [self.executable, *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                cwd=self.workdir,
                timeout=120,
                check=False,
            )
        if result.returncode != 0:
            raise AddokError(f"addok {args[0]} failed ({result.returncode})\n{self.log_tail()}")

    def _flush(self) -> None:
        client = _redis()
        try:
            client.flushdb()
        finally:
            client.close()
        self.sqlite_path.unlink(missing_ok=True)

    def _acquire_lock(self) -> None:
        if self._lock is not None:
            return
        path = Path(tempfile.gettempdir()) / f"meetup-addok-redis-{REDIS_PORT}-{REDIS_DB}.lock"
        lock = path.open("w")
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.close()
                    raise AddokError(
                        f"Redis database {REDIS_DB} stayed in use by another test run ({path})"
                    ) from None
                time.sleep(0.2)
        self._lock = lock

    def _release_lock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def address_point(street: str, number: str, postcode: str) -> tuple[float, float]:
    """(lat, lon) of `number` `street` in `postcode` as data/ban_addresses.ndjson has it, to
    compare with what the geocoder answers. The street name is matched exactly."""
    with DATA_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc["type"] == "street" and doc["name"] == street and doc["postcode"] == postcode:
                position = doc["housenumbers"][number]
                return position["lat"], position["lon"]
    raise KeyError(f"{number} {street} {postcode} is not in {DATA_FILE.name}")


# -- installing Addok ---------------------------------------------------------------------


def pinned_requirements() -> list[str]:
    """Addok and its dependencies, from the "#addok NAME==VERSION" lines of
    requirements-dev.txt (comments there, since pip must not put them into .venv)."""
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [line[len(PIN_PREFIX) :].strip() for line in lines if line.startswith(PIN_PREFIX)]


def install(venv: Path = VENV) -> None:
    """Create `venv` with exactly the pinned Addok; nothing to do when it already has them."""
    pins = pinned_requirements()
    stamp = venv / "addok-pins.txt"
    wanted = "\n".join(pins) + "\n"
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "addok").exists():
        return
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *pins], check=True)
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if argv == ["install"]:
        install()
        print(f"Addok installed in {VENV}")
        return 0
    if argv == ["check"]:
        reason = addok_available()
        print(reason or "Addok can run")
        return 1 if reason else 0
    if argv == ["serve"]:  # By hand: a loaded Addok until Ctrl-C.
        with AddokServer() as server:
            print(f"Addok on {server.url} (loaded in {server.load_seconds:.1f} s)")
            with contextlib.suppress(KeyboardInterrupt):
                while server.running:
                    time.sleep(1)
        return 0
    print("usage: python -m tests.addok install|check|serve", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
