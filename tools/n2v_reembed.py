#!/usr/bin/env python3
"""n2v-reembed: the scheduled re-embedding job.

Reads a job file (TOML), connects to Neo4j over Bolt and runs each job's
`CALL n2v.write(config)` in turn. Jobs default to warm starts with
alignment, so vectors of unchanged parts of the graph move little between
runs (see docs/warm-starts.md). One run at a time (a lock file),
retries with exponential backoff on transient failures, a one-line summary
per job, logs on stderr or in a file.

Retries: a transient failure (Neo4j unreachable; the n2v sidecar unreachable,
or busy: out of memory budget) is retried until retry_budget_seconds have
passed since the job's first failure (for the connection to Neo4j: since the
first failed connect). The first wait is backoff_seconds, each next one twice
as long, at most 60 s, and none ends past the budget: the last retry starts
when the budget runs out at the latest. `retries`, if set, also caps the
count. A job that gives up says which limit ended it.

Exit codes: 0 every job succeeded; 1 a job failed; 2 the job file is
invalid; 3 another run holds the lock; 4 Neo4j is unreachable.

Job file:
    [neo4j]
    uri = "bolt://127.0.0.1:7687"
    user = "neo4j"
    password_env = "NEO4J_PASSWORD"   # or password_file = "...", or none
    database = "neo4j"                # optional
    [runner]
    lock_file = "/var/lib/n2v/reembed.lock"
    retry_budget_seconds = 300        # per job, from its first transient failure
    backoff_seconds = 5               # first wait; doubles, at most 60
    # retries = 20                    # optional: also cap the count (none by default)
    [[job]]
    name = "people"
    config = { nodeLabels = ["Person"], writeProperty = "embedding" }
"""

import argparse
import errno
import fcntl
import logging
import os
import stat
import sys
import time
import tomllib

EXIT_OK, EXIT_JOB_FAILED, EXIT_CONFIG, EXIT_LOCKED, EXIT_UNREACHABLE = 0, 1, 2, 3, 4

# [runner] defaults.
RETRY_BUDGET_SECONDS = 300
BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 60

# Defaults every job gets unless its config says otherwise.
JOB_DEFAULTS = {"warmStart": True}

RESULT_FIELDS = (
    "nodeCount", "relationshipCount", "nodePropertiesWritten", "preProcessingMillis",
    "computeMillis", "writeMillis", "jobId", "warmStartedNodes", "nodesAdded",
    "nodesRemoved", "driftMean", "driftP95", "incremental", "walkStartNodes")

log = logging.getLogger("n2v-reembed")


class ConfigError(Exception):
    """The job file is unusable; the message says why."""


def load_config(path):
    """Parses and checks the job file; raises ConfigError naming the problem."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"job file {path} does not exist")
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}")
    neo4j = data.get("neo4j")
    if not isinstance(neo4j, dict) or not isinstance(neo4j.get("uri"), str):
        raise ConfigError(f"{path}: [neo4j] needs uri = \"bolt://host:port\"")
    runner = data.get("runner", {})
    if not isinstance(runner, dict):
        raise ConfigError(f"{path}: [runner] must be a table")
    jobs = data.get("job")
    if not isinstance(jobs, list) or not jobs:
        raise ConfigError(f"{path}: no [[job]] tables")
    names = set()
    for i, job in enumerate(jobs):
        if not isinstance(job.get("name"), str) or not job["name"]:
            raise ConfigError(f"{path}: job {i + 1} needs a name")
        if job["name"] in names:
            raise ConfigError(f"{path}: job name '{job['name']}' is repeated")
        names.add(job["name"])
        if not isinstance(job.get("config"), dict):
            raise ConfigError(f"{path}: job '{job['name']}' needs config = {{ ... }}")
        if "writeProperty" not in job["config"]:
            raise ConfigError(f"{path}: job '{job['name']}': config needs writeProperty")
    for key in ("retry_budget_seconds", "retries"):
        if key in runner and (not isinstance(runner[key], (int, float)) or runner[key] < 0):
            raise ConfigError(f"{path}: [runner] {key} must be a number >= 0")
    backoff = runner.get("backoff_seconds", BACKOFF_SECONDS)
    if not isinstance(backoff, (int, float)) or backoff <= 0:
        raise ConfigError(f"{path}: [runner] backoff_seconds must be a number > 0")
    return data


def backoff_delay(backoff, retry):
    """The wait before retry number `retry` (0 for the first), budget aside."""
    return min(backoff * 2 ** retry, MAX_BACKOFF_SECONDS)


class Retries:
    """The retry policy of one job, or of the connection to Neo4j (see the
    header): next_delay() after each transient failure."""

    def __init__(self, runner):
        self.budget = float(runner.get("retry_budget_seconds", RETRY_BUDGET_SECONDS))
        self.backoff = float(runner.get("backoff_seconds", BACKOFF_SECONDS))
        self.cap = runner.get("retries")
        self.count = 0
        self.first_failure = None
        self.ended_by = None

    def next_delay(self):
        """Seconds to wait before retrying, or None once the budget or the cap is
        spent (ended_by then names the setting)."""
        now = time.monotonic()
        if self.first_failure is None:
            self.first_failure = now
        left = self.first_failure + self.budget - now
        if self.cap is not None and self.count >= self.cap:
            self.ended_by = f"retries = {self.cap} reached"
            return None
        if left <= 0:
            self.ended_by = f"retry_budget_seconds = {self.budget:g} spent"
            return None
        delay = min(backoff_delay(self.backoff, self.count), left)
        self.count += 1
        return delay

    def left(self):
        """Seconds of the budget left."""
        return self.first_failure + self.budget - time.monotonic()


def password(neo4j):
    """The Neo4j password from the environment or a file; None for no auth."""
    if "password_env" in neo4j:
        value = os.environ.get(neo4j["password_env"])
        if value is None:
            raise ConfigError(f"environment variable {neo4j['password_env']} "
                              "(neo4j.password_env) is not set")
        return value
    if "password_file" in neo4j:
        try:
            with open(neo4j["password_file"]) as f:
                return f.read().strip()
        except OSError as e:
            raise ConfigError(f"neo4j.password_file: {e}")
    return None


def acquire_lock(path):
    """An exclusive lock held for the process's life; None if another has it.
    ConfigError when the path cannot be a lock: a link (in a shared folder
    such as /tmp, one planted by another user would have the pid written
    through it into the file it points to) or anything but a regular file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ConfigError(f"lock file {path} is a symbolic link; "
                              "not writing through it") from None
        raise ConfigError(f"cannot open lock file {path}: {e.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigError(f"lock file {path} is not a regular file")
    handle = os.fdopen(fd, "r+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def transient(error):
    """Whether retrying may help: connection loss, Neo4j transient errors, or
    the n2v sidecar being unreachable or busy."""
    from neo4j import exceptions as e
    if isinstance(error, (e.ServiceUnavailable, e.SessionExpired, e.TransientError)):
        return True
    text = str(error)
    return "is unreachable" in text or "refused the work" in text


def run_job(driver, database, job, runner):
    """Runs one job with retries; returns (ok, summary line)."""
    config = dict(JOB_DEFAULTS)
    config.update(job["config"])
    retries = Retries(runner)
    started = time.monotonic()
    while True:
        try:
            with driver.session(database=database) as session:
                record = session.run("CALL n2v.write($config)", config=config).single()
            break
        except Exception as error:  # noqa: BLE001 - reported, classified
            elapsed = time.monotonic() - started
            if not transient(error):
                return False, (f"n2v-reembed: job {job['name']}: FAILED after {elapsed:.1f} s: "
                               f"{first_line(error)}")
            delay = retries.next_delay()
            if delay is None:
                return False, (f"n2v-reembed: job {job['name']}: FAILED after {elapsed:.1f} s "
                               f"and {retries.count} retries ({retries.ended_by}): "
                               f"{first_line(error)}")
            log.warning("job %s: transient failure (%s); retry %d in %.1f s (%.0f s of "
                        "retry_budget_seconds left)", job["name"], first_line(error),
                        retries.count, delay, retries.left())
            time.sleep(delay)
    r = {k: record.get(k) for k in RESULT_FIELDS if k in record.keys()}
    parts = [f"{r.get('nodeCount', 0)} nodes", f"{r.get('nodePropertiesWritten', 0)} written"]
    if r.get("warmStartedNodes"):
        parts.append(f"+{r.get('nodesAdded', 0)} new, -{r.get('nodesRemoved', 0)} removed")
        parts.append(f"drift mean {r.get('driftMean', 0):.4f} p95 {r.get('driftP95', 0):.4f}")
        if r.get("incremental"):
            parts.append(f"incremental from {r.get('walkStartNodes', 0)} nodes")
    else:
        parts.append("cold start")
    log.info("job %s result: %s", job["name"], r)
    return True, (f"n2v-reembed: job {job['name']}: ok in {time.monotonic() - started:.1f} s: "
                  + ", ".join(parts))


def first_line(error):
    """The error's message (a Neo4j error's own, without its codes), first line."""
    text = (getattr(error, "message", None) or str(error)).strip() or type(error).__name__
    return text.splitlines()[0]


def connect(neo4j, runner):
    """A verified driver, or None when Neo4j stays unreachable."""
    from neo4j import GraphDatabase, exceptions
    secret = password(neo4j)
    auth = (neo4j.get("user", "neo4j"), secret) if secret is not None else None
    retries = Retries(runner)
    while True:
        driver = GraphDatabase.driver(neo4j["uri"], auth=auth)
        try:
            driver.verify_connectivity()
            return driver
        except (exceptions.ServiceUnavailable, OSError) as error:
            driver.close()
            delay = retries.next_delay()
            if delay is None:
                log.error("Neo4j at %s is unreachable after %d retries (%s): %s", neo4j["uri"],
                          retries.count, retries.ended_by, first_line(error))
                return None
            log.warning("Neo4j at %s unreachable (%s); retry %d in %.1f s (%.0f s of "
                        "retry_budget_seconds left)", neo4j["uri"], first_line(error),
                        retries.count, delay, retries.left())
            time.sleep(delay)
        except exceptions.AuthError as error:
            driver.close()
            raise ConfigError(f"Neo4j refused the credentials: {first_line(error)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="n2v-reembed", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="job file (TOML)")
    parser.add_argument("--job", action="append", help="run only this job (repeatable)")
    parser.add_argument("--log-file", help="append logs here instead of stderr")
    args = parser.parse_args(argv)
    handler = (logging.FileHandler(args.log_file) if args.log_file
               else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"n2v-reembed: error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    runner = config.get("runner", {})
    jobs = config["job"]
    if args.job:
        unknown = sorted(set(args.job) - {j["name"] for j in jobs})
        if unknown:
            print(f"n2v-reembed: error: no job named {', '.join(unknown)}", file=sys.stderr)
            return EXIT_CONFIG
        jobs = [j for j in jobs if j["name"] in args.job]
    lock_path = runner.get("lock_file", os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "n2v-reembed.lock"))
    try:
        lock = acquire_lock(lock_path)
    except ConfigError as e:
        print(f"n2v-reembed: error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    if lock is None:
        print(f"n2v-reembed: another run holds {lock_path}; not starting", file=sys.stderr)
        return EXIT_LOCKED
    try:
        driver = connect(config["neo4j"], runner)
    except ConfigError as e:
        print(f"n2v-reembed: error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    if driver is None:
        print(f"n2v-reembed: Neo4j at {config['neo4j']['uri']} is unreachable", file=sys.stderr)
        return EXIT_UNREACHABLE
    failed = 0
    try:
        for job in jobs:
            log.info("job %s: starting", job["name"])
            ok, summary = run_job(driver, config["neo4j"].get("database"), job, runner)
            print(summary, flush=True)
            failed += not ok
    finally:
        driver.close()
        lock.close()
    return EXIT_JOB_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
