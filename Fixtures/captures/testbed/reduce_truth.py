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
import sys

src, dst = sys.argv[1], sys.argv[2]
t = json.load(open(src))
out = {
    "scenario": t.get("scenario"),
    "reduced_from": "truth.json of ../shared/testbed (truth.py); see Fixtures/captures/testbed/README.md",
    "window": {k: t["window"][k] for k in ("start", "end")},
    "images": [{"summary": {k: i["summary"].get(k) for k in ("id", "name", "status", "size", "checksum")}}
               for i in t.get("images", [])],
    "image_status_transitions": t.get("image_status_transitions", {}),
    "http_requests": [{k: r.get(k) for k in ("time", "duration_us", "service", "port", "method", "path", "status",
                                             "client_port", "request_id")
                       + (("tls",) if r.get("service") == "haproxy" else ())
                       + (("captured_in", "request_content_length") if "captured_in" in r else ())}
                      for r in t.get("http_requests", [])],
    "sql": [{k: s.get(k) for k in ("time", "connection_id", "command", "statement", "http_request")}
            for s in t.get("sql", []) if s.get("command") == "Query"],
}
# Several captures (r-veth-lossy, t-two-captures): what each holds and how its clock was shifted.
if isinstance(t.get("captures"), dict) and "merged" in t["captures"] or "clock_offsets" in t:
    out["captures"] = {name: {k: c.get(k) for k in ("packets", "bytes", "interface", "bpf_filter", "clock_offset_s") if k in c}
                       for name, c in (t.get("captures") or {}).items()}
if "clock_offsets" in t:
    out["clock_offsets"] = t["clock_offsets"]
notes = t.get("scenario_notes")
if isinstance(notes, dict):
    out["scenario_notes"] = {k: v for k, v in notes.items() if k != "tshark_decrypted_requests"}
json.dump(out, open(dst, "w"), indent=0, sort_keys=False)
