#!/usr/bin/env python3
"""Checks `glancetrace analyze --format otlp` output with OpenTelemetry's own protobuf
definitions (the `opentelemetry-proto` package) against the JSON report of the same capture.

    check_otlp.py OTLP_JSON REPORT_JSON [CAPTURE]

- The document parses as `TracesData` with `google.protobuf.json_format.Parse` (unknown fields
  refused). OTLP/JSON writes trace and span ids as hex where the general protobuf JSON mapping
  has base64 (the OTLP specification's one exception); they are checked to be 32 and 16 hex
  digits and turned into base64 first, as an OTLP receiver reads them.
- One trace per logical request; a SERVER span per logical request (method, path, status and
  start time as the report has them), a CLIENT span per attributed statement (db.system.name
  mysql, db.query.text the statement) whose parent is its request's span, in the same trace;
  no other span.
- Each image status change is an event on the span of the request that made it.
- No token or password of CAPTURE appears anywhere in the output.
Prints "ok ..." with the counts, or each failure, and exits 1 on any.
"""

import json
import os
import re
import sys
from datetime import datetime, timezone

from google.protobuf import json_format
from opentelemetry.proto.trace.v1 import trace_pb2

from otlp_ids import finish, hex_ids_to_base64

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wire_secrets import secrets_of  # noqa: E402

SERVER, CLIENT = trace_pb2.Span.SPAN_KIND_SERVER, trace_pb2.Span.SPAN_KIND_CLIENT
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def nanoseconds(rfc3339):
    """RFC 3339 with up to nine fraction digits, to Unix nanoseconds (no float rounding)."""
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z", rfc3339)
    whole = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    fraction = (match.group(2) or "").ljust(9, "0")
    return int(whole.timestamp()) * 1_000_000_000 + int(fraction)


def attributes(span):
    out = {}
    for kv in span.attributes:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind) if kind in ("string_value", "int_value", "bool_value", "double_value") \
            else json_format.MessageToDict(kv.value)
    return out


def main():
    raw = open(sys.argv[1]).read()
    report = json.load(open(sys.argv[2]))
    document = json.loads(raw)
    hex_ids_to_base64(document, failures.append)
    traces = json_format.Parse(json.dumps(document), trace_pb2.TracesData(), ignore_unknown_fields=False)

    http, sql = report["http"], report["sql"]
    logical = [i for i, h in enumerate(http) if h.get("leg_of") is None]
    roots = [i for i in logical if http[i].get("caused_by") is None]
    attributed = [j for j, s in enumerate(sql) if s["http"] is not None]

    servers, clients, others = {}, {}, []
    for resource_spans in traces.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            check(scope_spans.scope.name == "glancetrace", f"scope {scope_spans.scope.name!r}")
            for span in scope_spans.spans:
                a = attributes(span)
                if span.kind == SERVER and "glancetrace.http.index" in a:
                    check(a["glancetrace.http.index"] not in servers, f"request {a['glancetrace.http.index']} has two spans")
                    servers[a["glancetrace.http.index"]] = span
                elif span.kind == CLIENT and "glancetrace.sql.index" in a:
                    check(a["glancetrace.sql.index"] not in clients, f"statement {a['glancetrace.sql.index']} has two spans")
                    clients[a["glancetrace.sql.index"]] = span
                else:
                    others.append(span)
    total = len(servers) + len(clients) + len(others)
    check(not others, f"{len(others)} spans are neither a request nor a statement")
    check(sorted(servers) == logical, f"{len(servers)} request spans, {len(logical)} logical requests in the report")
    check(sorted(clients) == attributed, f"{len(clients)} statement spans, {len(attributed)} attributed statements")
    check(total == len(logical) + len(attributed), f"{total} spans, expected {len(logical)} + {len(attributed)}")
    trace_ids = {s.trace_id for s in servers.values()}
    check(len(trace_ids) == len(roots), f"{len(trace_ids)} traces, {len(roots)} logical requests")

    for i, span in servers.items():
        h, a = http[i], attributes(span)
        check(a.get("http.request.method") == h["method"] and a.get("url.path") == h["path"], f"request {i}: method or path differ")
        check(a.get("http.response.status_code") == h["status"], f"request {i}: status {a.get('http.response.status_code')} vs {h['status']}")
        check(span.start_time_unix_nano == nanoseconds(h["time"]), f"request {i}: start {span.start_time_unix_nano} vs {h['time']}")
        check(span.end_time_unix_nano == nanoseconds(h["end"]), f"request {i}: end differs")
        check(len(span.trace_id) == 16 and len(span.span_id) == 8, f"request {i}: id lengths")
        if h.get("caused_by") is None and h.get("leg_of") is None:
            check(span.parent_span_id == b"", f"request {i}: a root request has a parent")
    for j, span in clients.items():
        s, a = sql[j], attributes(span)
        parent = servers.get(s["http"])
        if check(parent is not None, f"statement {j}: its request {s['http']} has no span"):
            check(span.parent_span_id == parent.span_id, f"statement {j}: parent is not request {s['http']}'s span")
            check(span.trace_id == parent.trace_id, f"statement {j}: not in its request's trace")
        check(a.get("db.system.name") == "mysql", f"statement {j}: db.system.name {a.get('db.system.name')!r}")
        check(a.get("db.query.text") == s["statement"], f"statement {j}: db.query.text differs from the statement")
        check(span.start_time_unix_nano == nanoseconds(s["time"]), f"statement {j}: start differs")

    events = 0
    for image in report["images"]:
        for t in image["transitions"]:
            request = t["http"] if t["http"] is not None else (sql[t["sql"]]["http"] if t["sql"] is not None else None)
            if request is None or request not in servers:
                continue
            statuses = [next((kv.value.string_value for kv in e.attributes if kv.key == "glancetrace.image.status"), None)
                        for e in servers[request].events if e.name == "glancetrace.image.status"]
            check(t["status"] in statuses, f"image {image['name']}: {t['status']} is no event of request {request}")
            events += 1

    if len(sys.argv) > 3:
        secrets = secrets_of(sys.argv[3])
        for secret in secrets:
            check(secret not in raw, f"a secret of the capture is in the output: {secret[:6]}...")
    return finish(failures, f"ok {len(trace_ids)} traces, {len(servers)} request spans, {len(clients)} statement spans, {events} status events")


if __name__ == "__main__":
    sys.exit(main())
