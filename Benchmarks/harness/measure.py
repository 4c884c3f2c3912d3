"""Timing one child process: wall time and its exact peak resident memory."""

import os
import statistics
import subprocess
import tempfile
import time

MB = 1 << 20


def note(text):
    print(text, flush=True)


def size_bytes(text):
    t = text.strip().upper().rstrip("B").rstrip("I")
    number = t.rstrip("KMGT")
    unit = t[len(number):]
    return int(float(number) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[unit])


class Run:
    def __init__(self, wall, rss, rc, err, cpu=None):
        self.wall, self.rss, self.rc, self.err, self.cpu = wall, rss, rc, err, cpu


PEAK_RSS = None  # path of the compiled peak_rss helper, set by Bench.compile_helpers


def measure(argv, stdout=None, env=None):
    """Runs argv once: wall time, CPU time (user + system, all threads), the child's peak RSS
    (wait4's ru_maxrss), exit status, stderr tail.

    Through the small peak_rss helper when it compiled (see peak_rss.c for why); otherwise
    straight from here, when the RSS includes this Python process's ~25 MB at exec.
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile(prefix="peak-rss-") as report:
        out = stdout if stdout is not None else subprocess.DEVNULL
        full = [PEAK_RSS, report.name] + list(argv) if PEAK_RSS else list(argv)
        start = time.perf_counter()
        try:
            p = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        except OSError as e:
            return Run(0.0, 0, 127, str(e))
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
        rc, rss = p.returncode, usage.ru_maxrss * 1024
        cpu = usage.ru_utime + usage.ru_stime
        if PEAK_RSS:
            fields = open(report.name).read().split()
            if rc != 0 or len(fields) != 4:
                return Run(wall, rss, rc or 1, "peak_rss helper failed")
            rc, rss, wall, cpu = int(fields[0]), int(fields[1]) * 1024, float(fields[2]), float(fields[3])
        err.seek(0)
        lines = [l for l in err.read().decode(errors="replace").splitlines()
                 if l.strip() and "Running as user" not in l and "could be dangerous" not in l]
        return Run(wall, rss, rc, lines[-1] if lines else "", cpu)


class Row:
    """One command of a suite and its runs."""

    def __init__(self, name, argv, reference, stdout_path=None, before=None, env=None, short=None):
        self.name, self.argv, self.reference = name, argv, reference
        self.short = short or name.split()[0]
        self.stdout_path, self.before, self.env = stdout_path, before, env
        self.runs = []
        self.status = "pending"
        self.note = ""

    def over_runs(self, summary, field):
        """`summary` (median, max, min) of one field of the runs; None before the first run."""
        return summary(getattr(r, field) for r in self.runs) if self.runs else None

    wall = property(lambda self: self.over_runs(statistics.median, "wall"))
    rss = property(lambda self: self.over_runs(max, "rss"))
    cpu = property(lambda self: self.over_runs(statistics.median, "cpu"), doc="Median CPU seconds (user + system).")
    fastest = property(lambda self: self.over_runs(min, "wall"))

    def run_once(self):
        """One timed run; a failure marks the row failed and drops its runs."""
        if self.status in ("failed", "skipped"):
            return
        if self.before:
            self.before()
        if self.stdout_path:
            with open(self.stdout_path, "wb") as out:
                run = measure(self.argv, out, self.env)
        else:
            run = measure(self.argv, None, self.env)
        if run.rc != 0:
            self.status = "failed"
            self.note = "exit %d: %s" % (run.rc, run.err[:160])
            self.runs = []
            return
        self.runs.append(run)
        self.status = "ok"


def execute(rows, repeat):
    """Runs the rows round-robin, so a burst of load from the machine's other users hits
    every command's runs alike instead of all runs of one command."""
    for _ in range(repeat):
        for row in rows:
            row.run_once()


# -- the bench -----------------------------------------------------------------------------------
