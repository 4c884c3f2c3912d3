#!/usr/bin/env python3
"""Record the HTTP streams of a capture as a small fixture for HTTPDecodingTests.

Usage: Fixtures/http/record.py CAPTURE OUT.fixture [--ports 5000,9292] [--keep 8192]
  e.g. for s in a-seed b-sequential e-lifecycle; do
         Fixtures/http/record.py ../shared/captures/$s/capture.pcap Fixtures/http/$s.fixture; done

Also writes OUT.truth.json: the `http_requests` and image summaries of the capture's truth.json.

tshark (not our decoder) splits the capture into TCP streams and payloads, so the fixture is
independent of the project's packet decoder and reassembler. Large message bodies are cut: once
`--keep` bytes of one message have been recorded in a direction, further packets become `gap`
records (with their byte count) until the next message start in that direction (a packet that begins
with a request or status line).

Format (text lines; `data` is followed by exactly LEN raw bytes and a newline):
  glancetrace-http-fixture 1
  connection IDX CLIENT SERVER FIRST_NS SYN
  data IDX c|s TIME_NS LEN
  gap IDX c|s TIME_NS COUNT
  fin IDX c|s TIME_NS
  close IDX TIME_NS
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tshark_rows import ns, tshark_rows  # noqa: E402

REQUEST_LINE = re.compile(rb"^[A-Z]{3,10} \S+ HTTP/1\.[01]\r?\n")
STATUS_LINE = re.compile(rb"^HTTP/1\.[01] \d{3}")


def main():
    args = sys.argv[1:]
    ports = [5000, 9292]
    keep = 8192
    if "--ports" in args:
        i = args.index("--ports")
        ports = [int(p) for p in args[i + 1].split(",")]
        del args[i:i + 2]
    if "--keep" in args:
        i = args.index("--keep")
        keep = int(args[i + 1])
        del args[i:i + 2]
    capture, out_path = args
    port_filter = " or ".join(f"tcp.port == {p}" for p in ports)
    fields = ["tcp.stream", "frame.time_epoch", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport",
              "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.seq_raw", "tcp.payload"]

    out = open(out_path, "wb")
    out.write(b"glancetrace-http-fixture 1\n")
    conns = {}  # stream -> dict

    def flush_pending(c, d):
        st = c["dir"][d]
        pend = st["pending"]
        if pend:
            out.write(f"gap {c['idx']} {d} {pend[0][0]} {sum(len(p) for _, p in pend)}\n".encode())
        st["pending"] = []

    def write_data(c, d, t, payload):
        out.write(f"data {c['idx']} {d} {t} {len(payload)}\n".encode())
        out.write(payload)
        out.write(b"\n")

    order = 0
    last_time = 0
    for row in tshark_rows(capture, port_filter, fields):
        stream, t, src, sport, dst, dport, syn, ack, fin, rst, seq, payload = row
        t = ns(t)
        sport, dport = int(sport), int(dport)
        c = conns.get(stream)
        if c is None:
            server_is_dst = dport in ports
            client = f"{src}:{sport}" if server_is_dst else f"{dst}:{dport}"
            server = f"{dst}:{dport}" if server_is_dst else f"{src}:{sport}"
            c = conns[stream] = {"idx": order, "client": client, "server": server,
                                 "dir": {"c": {"next": None, "kept": 0, "pending": [], "skipping": False},
                                         "s": {"next": None, "kept": 0, "pending": [], "skipping": False}},
                                 "fins": set()}
            order += 1
            out.write(f"connection {c['idx']} {client} {server} {t} {1 if syn == '1' or syn == 'True' else 0}\n".encode())
        d = "c" if f"{src}:{sport}" == c["client"] else "s"
        st = c["dir"][d]
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        seq = int(seq)
        if syn in ("1", "True"):
            st["next"] = (seq + 1) & 0xFFFFFFFF
        if data:
            if st["next"] is None:
                st["next"] = seq
            delta = (seq - st["next"]) & 0xFFFFFFFF
            if delta >= 0x80000000:  # retransmission: drop the bytes already recorded
                overlap = (st["next"] - seq) & 0xFFFFFFFF
                data = data[overlap:]
                seq = st["next"]
            elif delta > 0:  # bytes the capture lacks
                flush_pending(c, d)
                out.write(f"gap {c['idx']} {d} {t} {delta}\n".encode())
            if data:
                st["next"] = (seq + len(data)) & 0xFFFFFFFF
                starts = bool(REQUEST_LINE.match(data) if d == "c" else STATUS_LINE.match(data))
                if starts:
                    flush_pending(c, d)
                    st["kept"] = 0
                    st["skipping"] = False
                room = 0 if st["skipping"] else max(0, keep - st["kept"])
                if room > 0:
                    flush_pending(c, d)
                    write_data(c, d, t, data[:room])
                    st["kept"] += min(room, len(data))
                if len(data) > room:
                    st["skipping"] = True
                    st["pending"].append((t, data[room:]))
        last_time = t
        if fin in ("1", "True") and d not in c["fins"]:
            flush_pending(c, d)
            c["fins"].add(d)
            out.write(f"fin {c['idx']} {d} {t}\n".encode())
        if rst in ("1", "True"):
            for dd in ("c", "s"):
                flush_pending(c, dd)
            out.write(f"close {c['idx']} {t}\n".encode())
            c["closed"] = True
    for c in conns.values():
        for dd in ("c", "s"):
            flush_pending(c, dd)
        if not c.get("closed"):
            out.write(f"close {c['idx']} {last_time}\n".encode())
    out.close()
    # The capture's truth (its `http_requests`, from the servers' own request logs) next to the
    # fixture, so the tests do not need ../shared.
    truth_path = os.path.join(os.path.dirname(capture), "truth.json")
    if os.path.exists(truth_path):
        truth = json.load(open(truth_path))
        keep_fields = ["service", "port", "time", "method", "path", "status", "duration_us",
                       "response_bytes", "request_content_length"]
        slim = {"scenario": truth.get("scenario"), "description": truth.get("description"),
                "images": [img.get("summary") for img in truth.get("images", [])],
                "http_requests": [{k: r.get(k) for k in keep_fields} for r in truth.get("http_requests", [])]}
        base = out_path[:-len(".fixture")] if out_path.endswith(".fixture") else out_path
        with open(base + ".truth.json", "w") as f:
            json.dump(slim, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
