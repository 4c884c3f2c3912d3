#!/usr/bin/env python3
"""Turn a zlib-compressed MySQL recording into the zstd compressed protocol of MySQL 8.

MariaDB, the only server this machine can run, speaks the zlib compressed protocol alone; MySQL
8.0.18+ can use zstd instead (CLIENT_ZSTD_COMPRESSION_ALGORITHM, 1 << 26). This rewrites a real
recording (`compressed.chunks.gz`, mysql-connector-python with compress=True against MariaDB) as
MySQL 8 would have sent it with zstd:
  - the server greeting and the client's HandshakeResponse41 advertise zstd instead of
    CLIENT_COMPRESS, and the response carries the zstd compression level byte after its
    attributes (MySQL's layout);
  - every deflated compressed packet is inflated and compressed again as one zstd frame (the
    `zstd` command, which MySQL's per-packet ZSTD_compressCCtx output equals in format); stored
    packets (uncompressed length 0) stay as they are.
The commands inside are untouched, so MariaDB's general log of the original recording stays the
truth of the result. Needs the `zstd` command.

usage: transcode_zstd.py IN.chunks.gz OUT.chunks.gz
"""
import gzip
import struct
import subprocess
import sys
import zlib

COMPRESS = 1 << 5
ZSTD = 1 << 26
CONNECT_ATTRS = 1 << 20


def read_events(path):
    data = gzip.decompress(open(path, "rb").read())
    assert data[:8] == b"GTMYSQL1", "not a chunk file"
    i, events = 8, []
    while i < len(data):
        kind = data[i]
        i += 1
        if kind == 1:
            stream, syn = struct.unpack_from("<IB", data, i)
            i += 5
            ends = []
            for _ in range(2):
                n = data[i]
                ip = data[i + 1:i + 1 + n].decode()
                port, = struct.unpack_from("<H", data, i + 1 + n)
                i += 1 + n + 2
                ends.append((ip, port))
            events.append(("conn", stream, syn, ends))
        elif kind == 2:
            stream, direction, time, n = struct.unpack_from("<IBqI", data, i)
            i += 17
            events.append(("data", stream, direction, time, data[i:i + n]))
            i += n
        elif kind == 4:
            stream, time = struct.unpack_from("<Iq", data, i)
            i += 12
            events.append(("close", stream, time))
        else:
            raise SystemExit("bad kind %d" % kind)
    return events


def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def patch_greeting(payload):
    # protocol 10: version NUL, thread id 4, scramble 8, filler 1, caps low 2, charset 1, status 2, caps high 2
    p = bytearray(payload)
    at = p.index(0, 1) + 1 + 4 + 8 + 1
    low, = struct.unpack_from("<H", p, at)
    high, = struct.unpack_from("<H", p, at + 5)
    caps = (low | high << 16) | ZSTD
    struct.pack_into("<H", p, at, caps & 0xFFFF)
    struct.pack_into("<H", p, at + 5, caps >> 16)
    return bytes(p)


def patch_response(payload, level=3):
    caps, = struct.unpack_from("<I", payload, 0)
    assert caps & COMPRESS, "the recording did not negotiate compression"
    caps = (caps & ~COMPRESS) | ZSTD
    # The attributes block runs to the end of this recording's response; the level byte follows.
    assert caps & CONNECT_ATTRS
    return struct.pack("<I", caps) + payload[4:] + bytes([level])


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-3", "--no-check"], input=data, capture_output=True, check=True).stdout


def main():
    src, dst = sys.argv[1], sys.argv[2]
    events = read_events(src)
    # Per direction: bytes not yet parsed; when the handshake ends (the server's first OK after
    # the response), both directions switch to compressed packets.
    pending = {}
    compressed = {}
    phase = {}  # stream -> "greeting", "response", "auth", "compressed"
    out = bytearray(b"GTMYSQL1")
    for ev in events:
        if ev[0] == "conn":
            _, stream, syn, ends = ev
            out += struct.pack("<BIB", 1, stream, syn)
            for ip, port in ends:
                out += struct.pack("<B", len(ip)) + ip.encode() + struct.pack("<H", port)
            pending[(stream, 0)], pending[(stream, 1)] = b"", b""
            phase[stream] = "greeting"
            continue
        if ev[0] == "close":
            out += struct.pack("<BIq", 4, ev[1], ev[2])
            continue
        _, stream, direction, time, data = ev
        key = (stream, direction)
        pending[key] += data
        emitted = b""
        while True:
            buf = pending[key]
            if phase[stream] == "compressed":
                if len(buf) < 7:
                    break
                clen = int.from_bytes(buf[0:3], "little")
                if len(buf) < 7 + clen:
                    break
                seq, ulen = buf[3], int.from_bytes(buf[4:7], "little")
                body = buf[7:7 + clen]
                if ulen:
                    inner = zlib.decompress(body)
                    assert len(inner) == ulen
                    body = zstd(inner)
                emitted += struct.pack("<I", len(body))[:3] + bytes([seq]) + ulen.to_bytes(3, "little") + body
                pending[key] = buf[7 + clen:]
                continue
            if len(buf) < 4:
                break
            n = int.from_bytes(buf[0:3], "little")
            if len(buf) < 4 + n:
                break
            seq, payload = buf[3], buf[4:4 + n]
            pending[key] = buf[4 + n:]
            if phase[stream] == "greeting" and direction == 1:
                payload = patch_greeting(payload)
                phase[stream] = "response"
            elif phase[stream] == "response" and direction == 0:
                payload = patch_response(payload)
                phase[stream] = "auth"
            elif phase[stream] == "auth" and direction == 1 and payload[:1] == b"\x00":
                phase[stream] = "compressed"
            emitted += packet(seq, payload)
        if emitted:
            out += struct.pack("<BIBqI", 2, stream, direction, time, len(emitted)) + emitted
    for key, rest in pending.items():
        assert not rest, "unparsed bytes left in stream %s" % (key,)
    with open(dst, "wb") as fh:
        fh.write(gzip.compress(bytes(out), mtime=0))


if __name__ == "__main__":
    main()
