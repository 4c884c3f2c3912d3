"""The suites: each times glancetrace's commands next to the reference tools' and checks
the results against the generator's truth. Each takes the Bench and reports through it."""

import filecmp
import json
import os
import shutil

from .measure import MB, Row, execute, measure, note
from .issue25 import any_capture as any  # noqa: F401  (the `any` suite)

def info(bench):
    f, gt = bench.file, bench.glancetrace
    rows, missing = [], []
    if bench.has("info"):
        rows.append(Row("glancetrace info", [gt, "info", f], False))
        rows.append(Row("glancetrace info --reader libpcap", [gt, "info", "--reader", "libpcap", f], False))
    else:
        missing.append("glancetrace info (not built or no such subcommand)")
    rows.append(Row("capinfos", ["capinfos", f], True))
    # capinfos' default output includes three hashes of the file; this is the same
    # information without them, the stricter comparison.
    rows.append(Row("capinfos (no hashes)", ["capinfos", "-tElcsduaeyizx", f], True,
                    short="capinfos-nh"))
    if bench.pcap_loop:
        rows.append(Row("pcap_next_ex loop", [bench.pcap_loop, f], True, short="pcap_loop"))
    rows.append(Row("cat > /dev/null", ["cat", f], True))
    rows = bench.run_suite("info", rows, missing)
    by = {r.name: r for r in rows if r.status == "ok"}
    gti, loop = by.get("glancetrace info"), by.get("pcap_next_ex loop")
    if gti and loop:
        bench.target("info vs pcap_next_ex loop", gti.wall <= loop.wall,
                    "%.2fx (at least 1x, goal 2x)" % (loop.wall / gti.wall))
    for name in ("capinfos", "capinfos (no hashes)"):
        if gti and name in by:
            bench.target("info vs " + name, gti.wall < by[name].wall,
                        "%.2fx faster (must be > 1x)" % (by[name].wall / gti.wall))
    if gti:
        bench.target("info peak RSS", gti.rss < 64 * MB, "%.1f MB (< 64 MB)" % (gti.rss / MB))
        out = os.path.join(bench.dir, "info.json")
        if out not in bench.created:
            bench.created.append(out)
        run = measure([gt, "info", "--format", "json", "-o", out, f])
        if run.rc == 0:
            with open(out) as fh:
                info = json.load(fh)[0]
            t = bench.truth
            bench.check("info packets", info.get("packets") == t["packets"], "%s (truth %d)" % (info.get("packets"), t["packets"]))
            bench.check("info data bytes", info.get("bytes") == t["captured_bytes"],
                       "%s (truth %d)" % (info.get("bytes"), t["captured_bytes"]))
            bench.check("info first/last", (info.get("first"), info.get("last")) == (t["first"], t["last"]),
                       "%s .. %s (truth %s .. %s)" % (info.get("first"), info.get("last"), t["first"], t["last"]))
        else:
            bench.check("info --format json", False, "exit %d: %s" % (run.rc, run.err))

def connections_counted(bench):
    """Connections per port from `glancetrace info --format json` (one untimed run)."""
    out = os.path.join(bench.dir, "info.json")
    if out not in bench.created:
        bench.created.append(out)
    run = measure([bench.glancetrace, "info", "--format", "json", "-o", out, bench.file])
    if run.rc != 0:
        return None
    with open(out) as fh:
        info = json.load(fh)[0]
    return {str(k): v for k, v in (info.get("tcp_connections_by_port") or {}).items()}

def reassembly(bench):
    f, gt = bench.file, bench.glancetrace
    rows, missing = [], []
    # `info` reassembles every watched connection to count them; swap in a dedicated
    # reassembly-only command here when the CLI grows one.
    if bench.has("info"):
        rows.append(Row("glancetrace info (reassembles)", [gt, "info", f], False))
    else:
        missing.append("glancetrace info (not built or no such subcommand)")
    flow_dir = os.path.join(bench.dir, "tcpflow")
    rows.append(Row("tcpflow -r FILE -o DIR", ["tcpflow", "-r", f, "-o", flow_dir], True,
                    before=lambda: bench.scratch("tcpflow")))
    rows.append(Row("tshark -q -z io,stat,0", ["tshark", "-q", "-z", "io,stat,0", "-r", f], True))
    rows = bench.run_suite("reassembly", rows, missing)
    shutil.rmtree(flow_dir, ignore_errors=True) if not bench.args.keep else None
    by = {r.name: r for r in rows if r.status == "ok"}
    gti = by.get("glancetrace info (reassembles)")
    if gti:
        for name, goal in (("tcpflow -r FILE -o DIR", 5), ("tshark -q -z io,stat,0", 50)):
            if name in by:
                bench.target("reassembly vs " + name.split()[0] + (" io,stat" if "tshark" in name else ""),
                            by[name].wall / gti.wall >= goal,
                            "%.2fx faster (goal %dx)" % (by[name].wall / gti.wall, goal))
        bench.target("reassembly peak RSS", gti.rss < 64 * MB, "%.1f MB (< 64 MB)" % (gti.rss / MB))
        counted = connections_counted(bench)
        if counted is not None:
            want = bench.truth["tcp"]["connections_by_port"]
            bench.check("reassembly connections per port", counted == want,
                       "%s (truth %s)%s" % (json.dumps(counted), json.dumps(want),
                                            "; glancetrace reassembled nothing, so these ratios do not measure "
                                            "reassembly yet" if not counted else ""))

def split(bench):
    f, gt = bench.file, bench.glancetrace
    env = dict(os.environ, TZ="UTC")  # piece names carry local time; make both tools agree
    for mode, option in (("-c 5000", ["-c", "5000"]), ("-i 60", ["-i", "60"])):
        rows, missing = [], []
        tag = mode.replace(" ", "").replace("-", "")
        ours, theirs = os.path.join(bench.dir, "split-gt-" + tag), os.path.join(bench.dir, "split-editcap-" + tag)
        if bench.has("split"):
            rows.append(Row("glancetrace split %s -F pcap" % mode,
                            [gt, "split", f, os.path.join(ours, "piece.pcap")] + option + ["-F", "pcap"], False,
                            before=lambda d=ours: bench.scratch(os.path.basename(d)), env=env))
        else:
            missing.append("glancetrace split (no such subcommand yet)")
        rows.append(Row("editcap -F pcap %s" % mode,
                        ["editcap", "-F", "pcap"] + option + [f, os.path.join(theirs, "piece.pcap")], True,
                        before=lambda d=theirs: bench.scratch(os.path.basename(d)), env=env))
        # Issue 7: within 1.5x of copying the file. Each run writes 2 GB of dirty pages; a sync
        # before every command keeps one run's writeback from slowing the next.
        copy_dir = os.path.join(bench.dir, "split-cp")
        rows.append(Row("cp FILE DIR", ["cp", f, copy_dir], True,
                        before=lambda: (bench.scratch("split-cp"), os.sync())))
        for row in rows:
            if row.before and row.argv[0] != "cp":
                row.before = (lambda b=row.before: (b(), os.sync()))
        rows = bench.run_suite("split " + mode, rows, missing)
        shutil.rmtree(copy_dir, ignore_errors=True)
        by = {r.name: r for r in rows if r.status == "ok"}
        mine, ref = by.get("glancetrace split %s -F pcap" % mode), by.get("editcap -F pcap %s" % mode)
        copy = by.get("cp FILE DIR")
        if mine and copy and mode == "-c 5000":
            bench.target("split %s within 1.5x of cp" % mode, mine.wall <= 1.5 * copy.wall,
                         "%.2fx cp's time (goal at most 1.5x)" % (mine.wall / copy.wall))
        if mine and ref:
            bench.target("split %s vs editcap" % mode, mine.wall < ref.wall, "%.2fx faster" % (ref.wall / mine.wall))
            bench.target("split %s peak RSS" % mode, mine.rss < 64 * MB, "%.1f MB (constant memory: < 64 MB)"
                        % (mine.rss / MB))
            a, b = sorted(os.listdir(ours)), sorted(os.listdir(theirs))
            if a != b:
                bench.check("split %s pieces" % mode, False, "names differ: %d vs editcap's %d pieces (first: %s vs %s)"
                           % (len(a), len(b), a[:1], b[:1]))
            else:
                differ = [n for n in a if not filecmp.cmp(os.path.join(ours, n), os.path.join(theirs, n), shallow=False)]
                bench.check("split %s pieces" % mode, not differ, "%d pieces, %d differ from editcap's%s"
                           % (len(a), len(differ), (" (first: %s)" % differ[0]) if differ else ", all byte-identical"))
        if not bench.args.keep:
            shutil.rmtree(ours, ignore_errors=True)
            shutil.rmtree(theirs, ignore_errors=True)

def analyze(bench):
    f, gt = bench.file, bench.glancetrace
    rows, missing = [], []
    report = os.path.join(bench.dir, "analyze.json")
    for sub, row in (("analyze", Row("glancetrace analyze --format json", [gt, "analyze", f, "--format", "json",
                                                                             "-o", report], False)),
                     ("analyze", Row("glancetrace analyze (text)", [gt, "analyze", f], False)),
                     ("http", Row("glancetrace http", [gt, "http", f], False)),
                     ("sql", Row("glancetrace sql", [gt, "sql", f], False)),
                     ("sql", Row("glancetrace sql --summary", [gt, "sql", "--summary", f], False))):
        if bench.has(sub):
            rows.append(row)
        else:
            missing.append("glancetrace %s (no such subcommand yet)" % sub)
    # The references are the issues' own commands, word for word.
    rows.append(Row("tshark http.request -e method -e uri",
                    ["tshark", "-r", f, "-Y", "http.request", "-T", "fields", "-e", "http.request.method",
                     "-e", "http.request.uri"], True, short="tshark-http"))
    rows.append(Row("tshark mysql.query -e mysql.query",
                    ["tshark", "-r", f, "-Y", "mysql.query", "-T", "fields", "-e", "mysql.query"], True,
                    short="tshark-sql"))
    rows.append(Row("tshark http.request or mysql.query",
                    ["tshark", "-r", f, "-Y", "http.request or mysql.query", "-T", "fields", "-e", "http.request.uri",
                     "-e", "mysql.query"], True, short="tshark-both"))
    rows = bench.run_suite("analyze / http / sql", rows, missing)
    by = {r.name: r for r in rows if r.status == "ok"}
    # Issue 4: http 20x tshark's request listing; issue 5: sql 20x tshark's query listing; issue 6:
    # analyze 25x tshark extracting both. Each under 64 MB resident.
    for ours, theirs, goal in (("glancetrace http", "tshark http.request -e method -e uri", 20),
                               ("glancetrace sql", "tshark mysql.query -e mysql.query", 20),
                               ("glancetrace analyze (text)", "tshark http.request or mysql.query", 25),
                               ("glancetrace analyze --format json", "tshark http.request or mysql.query", 25)):
        if ours in by:
            if theirs in by:
                ratio = by[theirs].wall / by[ours].wall
                bench.target("%s vs %s" % (ours, by[theirs].short), ratio >= goal, "%.2fx faster (goal %dx)" % (ratio, goal))
            bench.target("%s peak RSS" % ours, by[ours].rss < 64 * MB, "%.1f MB (< 64 MB)" % (by[ours].rss / MB))
    if "glancetrace analyze --format json" in by:
        bench.created.append(report)
        check_report(bench, report)

def check_report(bench, path):
    """glancetrace's analyze JSON against the generator's truth."""
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        bench.check("analyze JSON", False, "unreadable: %s" % e)
        return
    t = bench.truth
    found = {i.get("id"): i for i in doc.get("images", [])}
    for image in t["images"]:
        got = found.get(image["id"])
        if got is None:
            bench.check("image %s" % image["name"], False, "missing from the report")
            continue
        upload = got.get("upload") or {}
        wrong = []
        for key, want, have in (("status", image["status"], got.get("status")),
                                ("size", image["size"], got.get("size")),
                                ("checksum", image["checksum"], got.get("checksum")),
                                ("os_hash_value", image["os_hash_value"], got.get("os_hash_value")),
                                ("upload.md5", image["upload"]["md5"], upload.get("md5")),
                                ("upload.sha512", image["upload"]["sha512"], upload.get("sha512")),
                                ("upload.matches_checksum", True, upload.get("matches_checksum")),
                                ("transitions", image["transitions"],
                                 [x.get("status") for x in got.get("transitions", [])])):
            if want != have:
                wrong.append("%s %r (truth %r)" % (key, have, want))
        bench.check("image %s" % image["name"], not wrong, "; ".join(wrong) or "status, size, checksums, "
                   "upload hashes and transitions match")
    queries = sum(1 for s in doc.get("sql", []) if s.get("command") == "Query")
    bench.check("sql queries", queries == t["mysql"]["queries"], "%d Query entries (truth %d)" % (queries, t["mysql"]["queries"]))
    requests = len(doc.get("http", []))
    bench.check("http requests", requests == t["http"]["requests"], "%d (truth %d)" % (requests, t["http"]["requests"]))
    conns = (doc.get("tcp") or {}).get("connections")
    bench.check("tcp connections", conns == t["tcp"]["connections"], "%s (truth %d)" % (conns, t["tcp"]["connections"]))

def hashing(bench):
    f = bench.file
    upload = sum(i["size"] for i in bench.truth["images"])
    rows = [Row("md5sum FILE", ["md5sum", f], True), Row("sha512sum FILE", ["sha512sum", f], True)]
    # The digest floor (issue 25): one MD5 and one SHA-512 pass over as many bytes as were
    # uploaded, by OpenSSL (the library glancetrace hashes with), in this run on this machine.
    floor_rows = []
    if shutil.which("openssl") and upload > 0:
        uploads, _ = bench.upload_bytes_file(f, bench.truth, "uploads.bin")
        floor_rows = [Row("openssl dgst -md5 (upload bytes)", ["openssl", "dgst", "-md5", uploads], True),
                      Row("openssl dgst -sha512 (upload bytes)", ["openssl", "dgst", "-sha512", uploads], True)]
        for row in floor_rows:
            row.bytes = upload  # its MB/s column is of the bytes it hashed
    note("\n== hashing  (md5 + sha512 of the capture, scaled to the %d uploaded image bytes; openssl on a file of "
         "the upload's size)" % upload)
    for row in rows:
        if shutil.which(row.argv[0]) is None:
            row.status, row.note = "skipped", "not installed"
    execute(rows + floor_rows, bench.args.repeat)
    bench.table("hashing", rows + floor_rows)
    analyze = next((r for name in ("glancetrace analyze (text)", "glancetrace analyze --format json")
                    for r in bench.results if r["name"] == name and r["status"] == "ok"), None)
    if all(r.status == "ok" for r in rows):
        scale = upload / bench.truth["bytes"]
        floor = sum(r.wall for r in rows) * scale
        note("  note: hashing the uploads alone costs about %.2f s with coreutils (one pass each)%s"
             % (floor, "; glancetrace analyze took %.2f s in all" % analyze["wall_s"] if analyze else
                "; glancetrace analyze does not exist yet to compare"))
    if floor_rows and all(r.status == "ok" for r in floor_rows):
        md5, sha = floor_rows[0].wall, floor_rows[1].wall
        # glancetrace runs the two digests on threads of their own: on two cores the floor is
        # the slower pass; on one core it is both.
        note("  digest floor: MD5 %.2f s + SHA-512 %.2f s over %d bytes: %.2f s on two cores (the slower), "
             "%.2f s on one (both)" % (md5, sha, upload, max(md5, sha), md5 + sha))
        if analyze:
            note("  %s %.2f s: %.2fx the two-core floor, %.2fx the one-core floor"
                 % (analyze["name"], analyze["wall_s"], analyze["wall_s"] / max(md5, sha), analyze["wall_s"] / (md5 + sha)))
    for row in rows + floor_rows:
        bench.results.append({"suite": "hashing", "name": row.name, "argv": row.argv, "reference": True,
                             "status": row.status, "note": row.note, "wall_s": row.wall,
                             "walls_s": [r.wall for r in row.runs], "peak_rss_bytes": row.rss})
