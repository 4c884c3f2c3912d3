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
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from truth_reduction import reduced, write  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
t = json.load(open(src))
traced = "attribution_notes" in t
http_keys = ("time", "duration_us", "service", "port", "method", "path", "status") + (("request_id",) if traced else ())
sql_keys = ("time", "connection_id", "command", "statement") + (("http_request", "attribution") if traced else ())
out = reduced(t, "Fixtures/captures/testbed/traced/README.md", lambda _: http_keys, sql_keys)
if traced:
    # http_request indexes point into http_requests, which is kept whole and in order.
    out["mysql_connections"] = [{k: c.get(k) for k in ("connection_id", "client_port", "user")}
                                for c in t.get("mysql_connections", [])]
    out["attribution_counts"] = t["attribution_notes"].get("sql_counts")
write(out, t, dst)
