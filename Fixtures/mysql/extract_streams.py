#!/usr/bin/env python3
"""Extract the MySQL (port 3306) TCP streams of a capture into a gzip'd chunk file.

Used at fixture-recording time only (needs tshark); the Swift tests read the output.
In-order payload per direction, retransmissions dropped by sequence number (fine for the
clean loopback captures used here).

Format (little-endian), after the magic b"GTMYSQL1":
  kind u8 = 1 connection: stream u32, saw_syn u8, client ip (u8 len + ascii), client port u16,
                          server ip (u8 len + ascii), server port u16
  kind u8 = 2 data:       stream u32, direction u8 (0 client->server), time ns i64, len u32, bytes
  kind u8 = 4 close:      stream u32, time ns i64

usage: extract_streams.py CAPTURE OUT.chunks.gz [PORT]
"""
import gzip
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tshark_rows import ns, tshark_rows  # noqa: E402


def main():
    cap, out = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 3306
    fields = ["tcp.stream", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "frame.time_epoch",
              "tcp.flags.syn", "tcp.flags.fin", "tcp.flags.reset", "tcp.seq_raw", "tcp.len", "tcp.payload"]
    streams = {}
    body = bytearray(b"GTMYSQL1")
    last_time = 0
    for parts in tshark_rows(cap, f"tcp.port=={port}", fields):
        stream, src, sport, dst, dport, t, syn, fin, rst, seq, length, payload = parts
        stream, sport, dport, seq, length = int(stream), int(sport), int(dport), int(seq), int(length or 0)
        time = ns(t)
        last_time = time
        syn = syn in ("1", "True")
        if stream not in streams:
            client_to_server = dport == port
            c_ip, c_port, s_ip, s_port = (src, sport, dst, dport) if client_to_server else (dst, dport, src, sport)
            streams[stream] = {"client": (c_ip, c_port), "next": [None, None], "closed": False}
            body += struct.pack("<BIB", 1, stream, 1 if syn else 0)
            for ip, p in ((c_ip, c_port), (s_ip, s_port)):
                body += struct.pack("<B", len(ip)) + ip.encode() + struct.pack("<H", p)
        st = streams[stream]
        direction = 0 if (src, sport) == st["client"] else 1
        if syn:
            st["next"][direction] = (seq + 1) & 0xFFFFFFFF
            continue
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        if data:
            expected = st["next"][direction]
            if expected is None:
                expected = seq
            delta = (seq - expected) & 0xFFFFFFFF
            if delta >= 0x80000000:  # retransmission (maybe partial)
                skip = (expected - seq) & 0xFFFFFFFF
                data = data[skip:] if skip < len(data) else b""
                seq = expected
            elif delta > 0:
                sys.stderr.write(f"stream {stream}: {delta} bytes missing (out of order?)\n")
            if data:
                body += struct.pack("<BIBqI", 2, stream, direction, time, len(data)) + data
                st["next"][direction] = (seq + len(data)) & 0xFFFFFFFF
        if (fin in ("1", "True") or rst in ("1", "True")) and not st["closed"]:
            st["closed"] = True
            body += struct.pack("<BIq", 4, stream, time)
    for stream, st in streams.items():
        if not st["closed"]:
            body += struct.pack("<BIq", 4, stream, last_time)
    with gzip.open(out, "wb", compresslevel=9) as f:
        f.write(bytes(body))
    print(f"{out}: {len(streams)} streams, {len(body)} bytes raw")


if __name__ == "__main__":
    main()
