#!/usr/bin/env python3
"""Reduce a test bed truth.json (../shared/testbed/truth.py) to the keys TestbedCaptureTests reads.

    reduce_truth.py IN/truth.json OUT/truth.json

Kept: scenario, window (start, end), images[].summary (id, name, status, size, checksum),
image_status_transitions, http_requests (time, duration_us, service, port, method, path, status), the Query
statements of sql (time, connection_id, statement), and the scenario notes' small members.
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
    "http_requests": [{k: r.get(k) for k in ("time", "duration_us", "service", "port", "method", "path", "status")}
                      for r in t.get("http_requests", [])],
    "sql": [{k: s.get(k) for k in ("time", "connection_id", "command", "statement")}
            for s in t.get("sql", []) if s.get("command") == "Query"],
}
notes = t.get("scenario_notes")
if isinstance(notes, dict):
    out["scenario_notes"] = {k: v for k, v in notes.items() if k != "tshark_decrypted_requests"}
json.dump(out, open(dst, "w"), indent=0, sort_keys=False)
