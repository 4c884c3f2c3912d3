#!/usr/bin/env python3
"""Reduce a traced test bed truth.json (../shared/testbed/truth.py with the tbtrace request tracer)
to the keys the attribution and lifecycle tests read.

    reduce_traced_truth.py IN/truth.json OUT/truth.json[.gz]

Kept: scenario, window (start, end), images[].summary (id, name, status, size, checksum),
image_status_transitions, http_requests (time, duration_us, service, port, method, path, status,
and the tracer's request_id), the Query statements of sql (time, connection_id, statement, and the
tracer's http_request and attribution), mysql_connections (connection id -> client port, user),
the tracer's counts, and the scenario notes' small members. Everything else (full image shows, DB
rows, steps' output, non-Query commands) is dropped. An OUT ending in .gz is written gzip-compressed
(the attribution scenarios' statements are megabytes of repeated text).
"""
import gzip
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
t = json.load(open(src))
traced = "attribution_notes" in t
http_keys = ("time", "duration_us", "service", "port", "method", "path", "status") + (("request_id",) if traced else ())
sql_keys = ("time", "connection_id", "command", "statement") + (("http_request", "attribution") if traced else ())
out = {
    "scenario": t.get("scenario"),
    "reduced_from": "truth.json of ../shared/testbed (truth.py); see Fixtures/captures/testbed/traced/README.md",
    "window": {k: t["window"][k] for k in ("start", "end")},
    "images": [{"summary": {k: i["summary"].get(k) for k in ("id", "name", "status", "size", "checksum")}}
               for i in t.get("images", [])],
    "image_status_transitions": t.get("image_status_transitions", {}),
    "http_requests": [{k: r.get(k) for k in http_keys} for r in t.get("http_requests", [])],
    "sql": [{k: s.get(k) for k in sql_keys} for s in t.get("sql", []) if s.get("command") == "Query"],
}
if traced:
    # http_request indexes point into http_requests, which is kept whole and in order.
    out["mysql_connections"] = [{k: c.get(k) for k in ("connection_id", "client_port", "user")}
                                for c in t.get("mysql_connections", [])]
    out["attribution_counts"] = t["attribution_notes"].get("sql_counts")
notes = t.get("scenario_notes")
if isinstance(notes, dict):
    out["scenario_notes"] = {k: v for k, v in notes.items() if k != "tshark_decrypted_requests"}
text = json.dumps(out, indent=0, sort_keys=False)
if dst.endswith(".gz"):
    with gzip.GzipFile(dst, "wb", mtime=0) as f:
        f.write(text.encode())
else:
    open(dst, "w").write(text)
