#!/usr/bin/env python3
"""Reduce a test bed truth.json to what the call-causation tests read (issue 27).

    reduce_causation_truth.py IN/truth.json OUT/truth.json [CAPTURE]

Kept from the servers' own records: window, images[].summary and db_locations, the Swift object's
stat, and per
http_requests entry: time, service, method, path, status, request_id, and from the tracer
(server_trace) the app's start and end and the User-Agent it saw, plus `first_sql_sent`, the
earliest send time of the SQL the tracer attributed to that request.

With CAPTURE, each request also gets `tshark`: the SHA-256 fingerprints (first 8 hex digits,
glancetrace's masking) of the X-Auth-Token and X-Subject-Token tshark decodes in the request whose
response carried that request_id (X-Openstack-Request-Id): an oracle independent of glancetrace.
"""
import hashlib
import json
import sys

from tshark_fields import headers, tshark

src, dst = sys.argv[1], sys.argv[2]
capture = sys.argv[3] if len(sys.argv) > 3 else None
t = json.load(open(src))
sql = t.get("sql", [])


def first_sql(r):
    sent = [sql[j]["server_trace"]["sent"] for j in r.get("sql_indexes", []) if sql[j].get("server_trace")]
    return min(sent) if sent else None


def fingerprint(value):
    return hashlib.sha256(value.encode()).hexdigest()[:8] if value else None


tokens = {}
if capture:
    requests = {int(n): headers(h) for n, h in tshark(capture, ["frame.number", "http.request.line"], "http.request")}
    for request_in, lines in tshark(capture, ["http.request_in", "http.response.line"], "http.response"):
        rid = headers(lines).get("x-openstack-request-id")
        if rid and request_in:
            h = requests[int(request_in)]
            tokens[rid] = {"auth_token": fingerprint(h.get("x-auth-token")), "subject_token": fingerprint(h.get("x-subject-token"))}

http = []
for r in t.get("http_requests", []):
    trace = r.get("server_trace") or {}
    entry = {k: r.get(k) for k in ("time", "service", "method", "path", "status", "request_id")}
    entry["server_trace"] = {k: trace.get(k) for k in ("app_start", "app_end", "user_agent")} if trace else None
    entry["first_sql_sent"] = first_sql(r)
    if r.get("request_id") in tokens:
        entry["tshark"] = tokens[r["request_id"]]
    http.append(entry)

out = {
    "scenario": t.get("scenario"),
    "reduced_from": "truth.json of ../shared/testbed (truth.py) by reduce_causation_truth.py; see README.md",
    "window": {k: t["window"][k] for k in ("start", "end")},
    "images": [{"summary": {k: i["summary"].get(k) for k in ("id", "name", "status", "size", "checksum", "os_hash_value")},
                "db_locations": [{k: l.get(k) for k in ("value", "status", "meta_data")} for l in i.get("db_locations") or []]}
               for i in t.get("images", [])],
    "http_requests": http,
}
swift = (t.get("scenario_notes") or {}).get("swift")
if isinstance(swift, dict):
    out["swift"] = {k: swift.get(k) for k in ("account", "container", "object", "object_stat")}
json.dump(out, open(dst, "w"), indent=0)
