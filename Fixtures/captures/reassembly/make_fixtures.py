#!/usr/bin/env python3
"""Write the small crafted captures ReassemblyTests reads (Ethernet / IPv4 / TCP, classic pcap).

    python3 Fixtures/captures/reassembly/make_fixtures.py

Deterministic: the same files every run. Each capture exercises one situation real captures
meet; the payloads are generated from fixed patterns so tests can rebuild the expected bytes:

  midstream.pcap      the capture starts inside an established connection (no SYN)
  reused.pcap         one 4-tuple carries two connections: FIN-closed, stray ACK, new SYN (new ISN), RST
  ends-midtransfer.pcap  an upload still running when the capture stops
  lost.pcap           two data segments missing from the capture (the receiver ACKs them)
                      and one cut by the snaplen (100 of 500 payload bytes captured)
"""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = ("10.0.0.1", 40001)
SERVER = ("10.0.0.2", 9292)
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

def ip_bytes(ip):
    return bytes(int(x) for x in ip.split("."))

def checksum(data):
    if len(data) % 2: data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def frame(src, dst, seq, ack, flags, payload=b"", window=65535, options=b""):
    offset = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, offset << 4, flags,
                      window, 0, 0) + options
    pseudo = ip_bytes(src[0]) + ip_bytes(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0x4000, 64, 6, 0, ip_bytes(src[0]), ip_bytes(dst[0]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload

class Capture:
    def __init__(self, name):
        self.name = name
        self.records = []
        self.time = 1_700_000_000_000_000  # microseconds
    def add(self, data, caplen=None, step=1000):
        self.time += step
        self.records.append((self.time, data if caplen is None else data[:caplen], len(data)))
    def c2s(self, *a, **k): self.add(frame(CLIENT, SERVER, *a, **k))
    def s2c(self, *a, **k): self.add(frame(SERVER, CLIENT, *a, **k))
    def write(self):
        out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, data, orig in self.records:
            out += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), orig) + data
        with open(os.path.join(HERE, self.name), "wb") as f:
            f.write(out)

def pattern(tag, n):
    """n bytes of a recognisable pattern: tag, then a running counter in ASCII."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += f"{tag}{i:06d};".encode()
        i += 1
    return bytes(out[:n])

MSS_WS = b"\x02\x04\x05\xb4\x01\x03\x03\x07"

def midstream():
    c = Capture("midstream.pcap")
    req = pattern("REQ", 3000)
    rsp = pattern("RSP", 2500)
    cs, ss = 1_000_000, 5_000_000
    c.c2s(cs, ss, ACK | PSH, req[:1000]); c.s2c(ss, cs + 1000, ACK)
    c.c2s(cs + 1000, ss, ACK, req[1000:2000])
    c.c2s(cs + 2000, ss, ACK | PSH, req[2000:]); c.s2c(ss, cs + 3000, ACK)
    c.s2c(ss, cs + 3000, ACK, rsp[:1500]); c.s2c(ss + 1500, cs + 3000, ACK | PSH, rsp[1500:])
    c.c2s(cs + 3000, ss + 2500, ACK | FIN); c.s2c(ss + 2500, cs + 3001, ACK | FIN)
    c.c2s(cs + 3001, ss + 2501, ACK)
    c.write()

def reused():
    c = Capture("reused.pcap")
    a, b = 100, 900
    c.c2s(a, 0, SYN, options=MSS_WS); c.s2c(b, a + 1, SYN | ACK, options=MSS_WS); c.c2s(a + 1, b + 1, ACK)
    c.c2s(a + 1, b + 1, ACK | PSH, b"first request"); c.s2c(b + 1, a + 14, ACK | PSH, b"first response")
    c.c2s(a + 14, b + 15, ACK | FIN); c.s2c(b + 15, a + 15, ACK | FIN); c.c2s(a + 15, b + 16, ACK)
    c.c2s(a + 15, b + 16, ACK)  # a duplicate of the last ACK: still the first connection
    a, b = 7777, 0xFFFFFFF0    # the server's ISN wraps within the response
    c.c2s(a, 0, SYN, options=MSS_WS); c.s2c(b, a + 1, SYN | ACK, options=MSS_WS); c.c2s(a + 1, b + 1, ACK)
    c.c2s(a + 1, b + 1, ACK | PSH, b"second request")
    c.s2c(b + 1, a + 15, ACK | PSH, b"second response, across the wrap")
    c.c2s(a + 15, b + 33, RST | ACK)
    c.write()

def ends_midtransfer():
    c = Capture("ends-midtransfer.pcap")
    a, b = 0xFFFFF000, 42  # the client's sequence numbers wrap during the upload
    body = pattern("UPL", 10 * 1448)
    c.c2s(a, 0, SYN, options=MSS_WS); c.s2c(b, a + 1, SYN | ACK, options=MSS_WS); c.c2s(a + 1, b + 1, ACK)
    for i in range(10):
        c.c2s(a + 1 + i * 1448, b + 1, ACK, body[i * 1448:(i + 1) * 1448])
        if i % 2: c.s2c(b + 1, a + 1 + (i + 1) * 1448, ACK)
    c.write()

def lost():
    c = Capture("lost.pcap")
    a, b = 5000, 60000
    body = pattern("LOS", 8 * 500)
    c.c2s(a, 0, SYN, options=MSS_WS); c.s2c(b, a + 1, SYN | ACK, options=MSS_WS); c.c2s(a + 1, b + 1, ACK)
    for i in range(8):
        seg = frame(CLIENT, SERVER, a + 1 + i * 500, b + 1, ACK, body[i * 500:(i + 1) * 500])
        if i in (2, 5):
            pass                                    # the capture missed it; the server did not
        elif i == 7:
            c.add(seg, caplen=14 + 20 + 20 + 100)   # snaplen cut: 100 of 500 payload bytes
        else:
            c.add(seg)
        c.s2c(b + 1, a + 1 + (i + 1) * 500, ACK)
    c.s2c(b + 1, a + 4001, ACK | PSH, b"thanks")
    c.c2s(a + 4001, b + 7, ACK | FIN); c.s2c(b + 7, a + 4002, ACK | FIN); c.c2s(a + 4002, b + 8, ACK)
    c.write()

if __name__ == "__main__":
    midstream(); reused(); ends_midtransfer(); lost()
