#!/usr/bin/env python3
"""Write the MySQL stream of a MySQL-over-TLS capture with the TLS layer taken off, as
decrypted by tshark (independently of glancetrace), in the chunk format of
../extract_streams.py: the plaintext greeting and SSLRequest, then the decrypted application
data of each TLS record, one chunk each, in capture order. tshark's follow output carries no
times, so chunk i gets the first packet's time + i microseconds.

usage: extract_plaintext.py CAPTURE KEYLOG SERVER_PORT OUT.chunks.gz
"""
import gzip
import struct
import subprocess
import sys


def follow(args, server_port):
    out = subprocess.run(["tshark", "-q"] + args, check=True, capture_output=True, text=True).stdout
    node0_is_server = False
    chunks = []
    for line in out.splitlines():
        if line.startswith("Node 0: "):
            node0_is_server = line.rsplit(":", 1)[1] == str(server_port)
            continue
        if not line.strip() or line.startswith(("=", "Follow", "Filter", "Node")):
            continue
        indented = line.startswith("\t")
        from_server = indented != node0_is_server
        chunks.append((1 if from_server else 0, bytes.fromhex(line.strip())))
    return chunks


def main():
    cap, keylog, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    fields = subprocess.run(["tshark", "-r", cap, "-c", "1", "-T", "fields", "-e", "frame.time_epoch",
                             "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport"],
                            check=True, capture_output=True, text=True).stdout.split()
    sec, _, frac = fields[0].partition(".")
    start = int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])
    client, server = (fields[1], int(fields[2])), (fields[3], int(fields[4]))
    if client[1] == port:
        client, server = server, client
    outer = []
    for direction, data in follow(["-r", cap, "-z", "follow,tcp,raw,0"], port):
        if data[:1] == b"\x16":  # the ClientHello: TLS from here on
            break
        outer.append((direction, data))
    inner = follow(["-r", cap, "-o", f"tls.keylog_file:{keylog}", "-z", "follow,tls,raw,0"], port)
    body = bytearray(b"GTMYSQL1")
    body += struct.pack("<BIB", 1, 0, 1)
    for ip, p in (client, server):
        body += struct.pack("<B", len(ip)) + ip.encode() + struct.pack("<H", p)
    for i, (direction, data) in enumerate(outer + inner):
        body += struct.pack("<BIBqI", 2, 0, direction, start + i * 1000, len(data)) + data
    body += struct.pack("<BIq", 4, 0, start + (len(outer) + len(inner)) * 1000)
    with gzip.open(out, "wb") as f:
        f.write(body)


main()
