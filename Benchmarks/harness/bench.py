"""Setting up a benchmark run: build, helpers, capture, tables, targets, clean-up."""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

from capturegen.scenario import GENERATOR_VERSION

from . import measure as measuring
from . import suites
from .measure import MB, execute, measure, note

HERE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ROOT = os.path.dirname(HERE)


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.realpath(args.dir)
        self.created = []  # files and directories this run made (deleted unless --keep)
        self.results = []
        self.checks = []
        self.glancetrace = None
        self.subcommands = set()
        self.pcap_loop = None

    # setup

    def check_dir(self):
        if self.dir == ROOT or self.dir.startswith(ROOT + os.sep):
            sys.exit("scratch directory %s is inside the repository; use --dir or GLANCETRACE_BENCH_DIR "
                     "outside it (captures must never reach git)" % self.dir)
        os.makedirs(self.dir, exist_ok=True)

    def build(self):
        if self.args.glancetrace:
            self.glancetrace = os.path.realpath(self.args.glancetrace)
        else:
            if not self.args.no_build:
                note("building: swift build -c release --product glancetrace")
                started = time.monotonic()
                p = subprocess.run(["swift", "build", "-c", "release", "--product", "glancetrace"], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                if p.returncode != 0:
                    note("  build FAILED; glancetrace rows are skipped. Last lines:\n    "
                         + "\n    ".join(p.stdout.strip().splitlines()[-8:]))
                    return
                note("  built in %.0f s" % (time.monotonic() - started))
            p = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.glancetrace = os.path.join(p.stdout.strip(), "glancetrace")
        if not os.access(self.glancetrace, os.X_OK):
            note("  no glancetrace binary at %s; glancetrace rows are skipped" % self.glancetrace)
            self.glancetrace = None
            return
        # `glancetrace X --help` falls back to the root help for an unknown X, so read the list.
        p = subprocess.run([self.glancetrace, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        section = p.stdout.split("SUBCOMMANDS:", 1)[-1]
        self.subcommands = set(re.findall(r"^\s{2}([a-z][a-z0-9-]*)\s", section, re.M))
        note("  glancetrace %s: subcommands %s" % (self.glancetrace, ", ".join(sorted(self.subcommands)) or "none"))

    def compile_helpers(self):
        """pcap_loop (the libpcap reference) and peak_rss (the RSS-exact launcher), with cc -O2."""
        for name, libs in (("peak_rss", []), ("pcap_loop", ["-lpcap"])):
            exe = os.path.join(self.dir, name)
            p = subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, name + ".c")] + libs,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode != 0:
                note("  cc -O2 %s.c %s failed: %s" % (name, " ".join(libs), p.stdout.strip()[:200]))
                continue
            self.created.append(exe)
            if name == "pcap_loop":
                self.pcap_loop = exe
            else:
                measuring.PEAK_RSS = exe
        if measuring.PEAK_RSS:
            floor = measure(["true"])
            note("  peak RSS floor (/bin/true through peak_rss): %.1f MB" % (floor.rss / MB))
        else:
            note("  peak RSS measured from Python: every figure includes about 25 MB of the runner itself")

    def capture(self):
        a = self.args
        self.file, self.truth = self.image_capture(a.images)
        self.truth_path = os.path.splitext(self.file)[0] + ".truth.json"

    def image_capture(self, images):
        """The generator's capture of --size with `images` images (made unless an earlier run
        left it): its path and truth, with the page cache warmed."""
        a = self.args
        label = a.size.upper().replace("IB", "").replace("B", "")
        name = "capture-%s%s%s%s%s%s" % (label, "-nsec" if a.nsec else "", "-seg%d" % a.segment if a.segment != 1448 else "",
                                        "-seed%d" % a.seed if a.seed != 1 else "",
                                        "-images%d" % images if images != 3 else "", ".pcapng" if a.pcapng else ".pcap")
        path = os.path.join(self.dir, name)
        truth_path = os.path.splitext(path)[0] + ".truth.json"
        truth = None
        if os.path.exists(path) and os.path.exists(truth_path):
            with open(truth_path) as f:
                truth = json.load(f)
            # A capture from an older generator (or a partial write) is made again.
            if truth.get("bytes") != os.path.getsize(path) or truth.get("generator_version") != GENERATOR_VERSION:
                truth = None
        if truth is None:
            argv = [os.path.join(HERE, "generate-capture"), path, "--size", a.size, "--seed", str(a.seed),
                    "--segment", str(a.segment), "--images", str(images), "-q"] + (["--pcapng"] if a.pcapng else []) + (["--nsec"] if a.nsec else [])
            note("generating %s (%s)" % (path, a.size))
            run = measure(argv)
            if run.rc != 0:
                sys.exit("generate-capture failed: " + run.err)
            self.created += [path, truth_path]
            with open(truth_path) as f:
                truth = json.load(f)
            note("  %.1f s, %.0f MB/s, peak RSS %.0f MB" % (run.wall, truth["bytes"] / run.wall / 1e6, run.rss / MB))
        else:
            note("reusing %s" % path)
        t = truth
        shown = t["images"] if len(t["images"]) <= 5 else t["images"][:2] + t["images"][-1:]
        note("  %d bytes, %d packets, %d TCP connections, %d MySQL queries, %d HTTP requests, %d images: %s%s"
             % (t["bytes"], t["packets"], t["tcp"]["connections"], t["mysql"]["queries"], t["http"]["requests"],
                len(t["images"]), ", ".join("%s (%d bytes)" % (i["name"], i["size"]) for i in shown),
                "" if len(shown) == len(t["images"]) else " (and %d more)" % (len(t["images"]) - 3)))
        self.warm(path)
        return path, truth

    def api_capture(self, calls):
        """`Benchmarks/generate-api-capture`'s capture of `calls` API calls (made unless there)."""
        path = os.path.join(self.dir, "api-%s.pcap" % ("%dk" % (calls // 1000) if calls % 1000 == 0 else str(calls)))
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            note("generating %s (%d API calls)" % (path, calls))
            run = measure([os.path.join(HERE, "generate-api-capture"), path, str(calls)])
            if run.rc != 0:
                sys.exit("generate-api-capture failed: " + run.err)
            self.created.append(path)
        else:
            note("reusing %s" % path)
        self.warm(path)
        return path

    def upload_bytes_file(self, capture, truth, name):
        """A file of the first bytes of `capture`, as many as its images' uploads (the digest
        floor's input, issue 25): its path (deleted at the end) and its size."""
        upload = sum(i["size"] for i in truth["images"])
        path = os.path.join(self.dir, name)
        with open(capture, "rb") as src, open(path, "wb") as dst:
            left = upload
            while left > 0:
                block = src.read(min(left, 8 * MB))
                if not block:
                    break
                dst.write(block)
                left -= len(block)
        self.created.append(path)
        return path, upload

    def warm(self, path):
        """Leaves the file in the page cache the way one sequential read of it does.

        The file's clean pages are dropped first: pages cached by an earlier run may have
        been put there some other way (a memory map's faults, in this project's history),
        as 4 KB pages where a fresh read leaves large ones, and reading them costs every
        reader about three times the kernel time (1 MB `pread`s of the API capture: 0.034
        against 0.011 s). Every command of the run then reads the same cache, whatever ran
        before it.
        """
        started = time.perf_counter()
        with open(path, "rb") as f:
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            while f.read(8 * MB):
                pass
        note("  page cache dropped for the file and warmed by one read (%.1f s)" % (time.perf_counter() - started))

    # helpers

    def has(self, subcommand):
        return self.glancetrace is not None and subcommand in self.subcommands

    def scratch(self, name, fresh=True):
        path = os.path.join(self.dir, name)
        if fresh:
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path)
        if path not in self.created:
            self.created.append(path)
        return path

    def run_suite(self, suite, rows, missing):
        """Times the rows; glancetrace rows missing their command are listed in `missing`."""
        note("\n== %s  (%s, median of %d)  load %s" % (suite, os.path.basename(self.file), self.args.repeat,
                                                       " ".join("%.1f" % x for x in os.getloadavg())))
        for text in missing:
            note("  skipped: " + text)
        if not any(not r.reference for r in rows) and not self.args.references:
            note("  skipped: no glancetrace command of this suite exists yet (--references times the tools anyway)")
            return []
        for row in rows:
            tool = row.argv[0]
            if shutil.which(tool) is None and not os.access(tool, os.X_OK):
                row.status, row.note = "skipped", "%s not installed" % tool
                continue
        execute(rows, self.args.repeat)
        self.table(suite, rows)
        for row in rows:
            self.results.append({"suite": suite, "name": row.name, "argv": row.argv, "reference": row.reference,
                                 "status": row.status, "note": row.note, "wall_s": row.wall,
                                 "walls_s": [r.wall for r in row.runs], "peak_rss_bytes": row.rss})
        return rows

    def table(self, suite, rows):
        refs = [r for r in rows if r.reference and r.status == "ok"]
        size = self.truth["bytes"]
        head = "  %-40s %8s %7s %7s %9s" % ("command", "median s", "min s", "MB/s", "peak RSS")
        ours = any(not r.reference and r.status == "ok" for r in rows)
        if ours:
            head += "".join(" %13s" % ("vs " + r.short) for r in refs)
        note(head)
        for row in rows:
            if row.status != "ok":
                note("  %-40s %s" % (row.name, row.status + (": " + row.note if row.note else "")))
                continue
            line = "  %-40s %8.2f %7.2f %7.0f %6.1f MB" % (row.name, row.wall, row.fastest,
                                                            (getattr(row, "bytes", None) or size) / row.wall / 1e6,
                                                            row.rss / MB)
            if not row.reference:
                line += "".join(" %12.2fx" % (r.wall / row.wall) for r in refs)
            note(line)
        if ours and refs:
            note("  (ratio = reference median / glancetrace median: above 1 means glancetrace is faster)")

    def target(self, label, ok, detail):
        mark = "ok  " if ok else "MISS"
        self.checks.append({"check": label, "ok": ok, "detail": detail})
        note("  target %s %s: %s" % (mark, label, detail))

    def check(self, label, ok, detail):
        mark = "ok  " if ok else "FAIL"
        self.checks.append({"check": label, "ok": ok, "detail": detail})
        note("  check  %s %s: %s" % (mark, label, detail))

    # suites

    # the whole run

    def versions(self):
        def first(argv):
            try:
                p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=20)
                return p.stdout.strip().splitlines()[0] if p.stdout.strip() else "?"
            except (OSError, subprocess.TimeoutExpired):
                return "missing"
        commit = first(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        note("host: %s, %d cores, load %s; glancetrace %s; %s; tcpflow %s"
             % (platform.node(), os.cpu_count() or 0, " ".join("%.1f" % x for x in os.getloadavg()), commit,
                first(["tshark", "-v"]), first(["tcpflow", "-V"])))

    def main(self):
        self.check_dir()
        self.versions()
        self.build()
        self.compile_helpers()
        self.capture()
        try:
            for suite in self.args.suite:
                getattr(suites, suite)(self)
        finally:
            self.finish()

    def finish(self):
        failed = [c for c in self.checks if not c["ok"]]
        note("\nsummary: %d targets/checks met, %d not" % (len(self.checks) - len(failed), len(failed)))
        if self.args.json:
            with open(self.args.json, "w") as fh:
                json.dump({"capture": self.truth, "results": self.results, "checks": self.checks}, fh, indent=1)
        if self.args.keep:
            note("kept: " + ", ".join(self.created))
            return
        for path in self.created:
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.exists(path):
                os.remove(path)
