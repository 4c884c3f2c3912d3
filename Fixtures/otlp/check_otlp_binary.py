#!/usr/bin/env python3
"""Checks the bodies glancetrace posts to an OTLP/HTTP receiver with OpenTelemetry's own protobuf
definitions (the `opentelemetry-proto` package).

    check_otlp_binary.py BODY.pb BODY.json [BODY.pb BODY.json ...]

For each pair (the protobuf and the OTLP/JSON body of the same traces):
- `ExportTraceServiceRequest.FromString` reads the binary body, and the message it gives
  serialises back to exactly these bytes (protobuf's own encoder writes what we wrote);
- `google.protobuf.json_format.Parse` reads the JSON body (unknown fields refused; OTLP/JSON's
  hex ids turned into base64 first, as an OTLP receiver reads them), and gives the same message.
Prints "ok ..." with the counts, or each failure, and exits 1 on any.
"""

import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from otlp_ids import finish, hex_ids_to_base64


def main():
    failures, bodies, spans = [], 0, 0
    paths = sys.argv[1:]
    if not paths or len(paths) % 2:
        print("usage: check_otlp_binary.py BODY.pb BODY.json [BODY.pb BODY.json ...]")
        return 2
    for binary_path, json_path in zip(paths[0::2], paths[1::2]):
        raw = open(binary_path, "rb").read()
        binary = trace_service_pb2.ExportTraceServiceRequest.FromString(raw)
        if binary.SerializeToString(deterministic=True) != raw:
            failures.append(f"{binary_path}: protobuf's encoder writes other bytes for the message these decode to")
        document = json.loads(open(json_path, "rb").read())
        hex_ids_to_base64(document, lambda message: failures.append(f"{json_path}: {message}"))
        from_json = json_format.Parse(json.dumps(document), trace_service_pb2.ExportTraceServiceRequest(), ignore_unknown_fields=False)
        if from_json != binary:
            failures.append(f"{json_path}: the JSON body and {binary_path} are different messages")
        bodies += 1
        spans += sum(len(s.spans) for r in binary.resource_spans for s in r.scope_spans)
    return finish(failures, f"ok {bodies} body pairs, {spans} spans")


if __name__ == "__main__":
    sys.exit(main())
