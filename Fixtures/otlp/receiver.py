#!/usr/bin/env python3
"""A minimal OTLP/HTTP trace receiver for the live tests: decodes each export with
OpenTelemetry's own definitions (`opentelemetry-proto`) and writes one JSON line per span.

    receiver.py --port N --out SPANS.jsonl [--refuse-first N]

Accepts `POST /v1/traces` as `application/x-protobuf` (ExportTraceServiceRequest) or
`application/json` (OTLP/JSON: ids in hex, turned into base64 for the protobuf JSON parser).
Answers 200 with an empty ExportTraceServiceResponse in the request's encoding; the first
`--refuse-first` requests get 503 (a busy receiver). Prints "ready" when listening.
Each line: {"trace", "span", "parent" (hex ids), "name", "kind", "service", "start", "attributes",
"events": [names], "encoding"}.
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from otlp_ids import hex_ids_to_base64


def refuse(message):
    raise ValueError(message)


def value_of(any_value):
    kind = any_value.WhichOneof("value")
    if kind in ("string_value", "int_value", "bool_value", "double_value"):
        return getattr(any_value, kind)
    return json_format.MessageToDict(any_value)


class Receiver(BaseHTTPRequestHandler):
    lock = threading.Lock()
    out = None
    refuse = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        json_encoding = self.headers.get("Content-Type", "").startswith("application/json")
        with Receiver.lock:
            if Receiver.refuse > 0:
                Receiver.refuse -= 1
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        request = trace_service_pb2.ExportTraceServiceRequest()
        try:
            if json_encoding:
                document = json.loads(body)
                hex_ids_to_base64(document, refuse)
                json_format.Parse(json.dumps(document), request, ignore_unknown_fields=False)
            else:
                request.ParseFromString(body)
        except Exception as error:  # a body OpenTelemetry's definitions refuse: tell the sender
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(error).encode())
            return
        lines = []
        for resource_spans in request.resource_spans:
            service = next((kv.value.string_value for kv in resource_spans.resource.attributes if kv.key == "service.name"), None)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "trace": span.trace_id.hex(), "span": span.span_id.hex(), "parent": span.parent_span_id.hex(),
                        "name": span.name, "kind": span.kind, "service": service, "start": span.start_time_unix_nano,
                        "attributes": {kv.key: value_of(kv.value) for kv in span.attributes},
                        "events": [e.name for e in span.events],
                        "encoding": "json" if json_encoding else "protobuf",
                    }))
        with Receiver.lock:
            Receiver.out.write("".join(line + "\n" for line in lines))
            Receiver.out.flush()
        response = trace_service_pb2.ExportTraceServiceResponse()
        payload = b"{}" if json_encoding else response.SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if json_encoding else "application/x-protobuf")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--refuse-first", type=int, default=0)
    args = parser.parse_args()
    Receiver.out = open(args.out, "a")
    Receiver.refuse = args.refuse_first
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
