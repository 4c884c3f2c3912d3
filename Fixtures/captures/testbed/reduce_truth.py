#!/usr/bin/env python3
"""Reduce a test bed truth.json (../shared/testbed/truth.py) to the keys TestbedCaptureTests reads.

    reduce_truth.py IN/truth.json OUT/truth.json

Kept: scenario, window (start, end), images[].summary (id, name, status, size, checksum),
image_status_transitions, http_requests (time, duration_us, service, port, method, path, status, and
haproxy's client_port and uWSGI's request_id, which tie a proxy's front and back legs; with several
captures also captured_in and request_content_length), captures and clock_offsets (several captures),
the Query statements of sql (time, connection_id, statement, http_request: the index of the request the
server-side tracer saw issue it), and the scenario notes' small members.
Everything else (full image shows, DB rows, steps' output, non-Query commands) is dropped.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from truth_reduction import reduced, write  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
t = json.load(open(src))
out = reduced(t, "Fixtures/captures/testbed/README.md",
              lambda r: ("time", "duration_us", "service", "port", "method", "path", "status", "client_port", "request_id")
              + (("tls",) if r.get("service") == "haproxy" else ())
              + (("captured_in", "request_content_length") if "captured_in" in r else ()),
              ("time", "connection_id", "command", "statement", "http_request"))
# Several captures (r-veth-lossy, t-two-captures): what each holds and how its clock was shifted.
if isinstance(t.get("captures"), dict) and "merged" in t["captures"] or "clock_offsets" in t:
    out["captures"] = {name: {k: c.get(k) for k in ("packets", "bytes", "interface", "bpf_filter", "clock_offset_s") if k in c}
                       for name, c in (t.get("captures") or {}).items()}
if "clock_offsets" in t:
    out["clock_offsets"] = t["clock_offsets"]
write(out, t, dst)
