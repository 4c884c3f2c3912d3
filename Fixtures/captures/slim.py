#!/usr/bin/env python3
"""Cut the bulk of large TCP payloads out of a classic pcap (Ethernet/IPv4), keeping headers.

Packets whose TCP payload exceeds --bulk bytes keep only their first --keep payload bytes;
the original length stays in the record, so readers see a snaplen cut (a gap in the stream),
exactly as a capture taken with a small snaplen. Used to ship real captures of image uploads
as small fixtures: HTTP headers, JSON bodies and all MySQL traffic stay intact.
"""
import argparse, struct, sys

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src"); ap.add_argument("dst")
    ap.add_argument("--bulk", type=int, default=16384)
    ap.add_argument("--keep", type=int, default=2048)
    a = ap.parse_args()
    data = open(a.src, "rb").read()
    magic = data[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        sys.exit("only little-endian classic pcap is handled")
    out = bytearray(data[:24])
    off = 24
    while off + 16 <= len(data):
        ts_s, ts_f, incl, orig = struct.unpack_from("<IIII", data, off)
        pkt = data[off + 16: off + 16 + incl]
        off += 16 + incl
        keep = len(pkt)
        if len(pkt) > 34 and pkt[12:14] == b"\x08\x00" and pkt[23] == 6:
            ihl = (pkt[14] & 0x0F) * 4
            tcp = 14 + ihl
            if len(pkt) >= tcp + 20:
                doff = (pkt[tcp + 12] >> 4) * 4
                payload = len(pkt) - tcp - doff
                if payload > a.bulk:
                    keep = tcp + doff + a.keep
        out += struct.pack("<IIII", ts_s, ts_f, keep, orig) + pkt[:keep]
    open(a.dst, "wb").write(out)

main()
