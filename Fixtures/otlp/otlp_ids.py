"""What the OTLP checks share (`check_otlp.py`, `check_otlp_binary.py`, `receiver.py`): OTLP/JSON
ids for OpenTelemetry's protobuf JSON parser, and how a check reports."""
import base64
import re


def hex_ids_to_base64(node, invalid):
    """OTLP/JSON writes `traceId`, `spanId` and `parentSpanId` as hex where protobuf's JSON mapping
    has base64 (the OTLP specification's one exception): turns each into base64, as an OTLP
    receiver reads them. `invalid(message)` is told of an id that is not 32 (trace) or 16 (span)
    hex digits; such an id is left as it is."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                width = 32 if key == "traceId" else 16
                if re.fullmatch("[0-9a-f]{%d}" % width, value) is None:
                    invalid(f"{key} {value!r} is not {width} hex digits")
                else:
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                hex_ids_to_base64(value, invalid)
    elif isinstance(node, list):
        for item in node:
            hex_ids_to_base64(item, invalid)


def finish(failures, summary):
    """Prints the first 50 failures, or `summary` (the "ok ..." line) when there are none, and
    returns the check's exit status."""
    for failure in failures[:50]:
        print(failure)
    if not failures:
        print(summary)
    return 1 if failures else 0
