"""Capture file writer: pcap (usec or nsec) and pcapng, buffered in large writes.

Speed matters more than anything here (a 2 GB file must be written in well under a
minute), so records are appended to a list of buffers and written with one join per
few megabytes; payloads may be memoryviews of a shared pattern, never copied until then.
"""

import struct

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144

_PCAP_RECORD = struct.Struct("<IIII")
_EPB_HEAD = struct.Struct("<IIIIIII")
_U32 = struct.Struct("<I")
_FLUSH_AT = 8 << 20


class CaptureWriter:
    """Writes Ethernet frames with nanosecond timestamps; keeps timestamps monotonic.

    Several simulated connections emit packets "at the same time"; a packet whose
    timestamp is earlier than the previous one is moved to the previous timestamp, so
    the file is ordered like a real capture and time-based splitting is well defined.
    """

    def __init__(self, path, fmt="pcap", nsec=False, interface="ens3"):
        if fmt not in ("pcap", "pcapng"):
            raise ValueError("format must be pcap or pcapng")
        self.path = path
        self.format = fmt
        self.nsec = nsec
        self.file = open(path, "wb", buffering=0)
        self.parts = []
        self.pending = 0
        self.last_ts = 0
        self.first_ts = None
        self.packets = 0
        self.bytes = 0
        self.captured = 0
        if fmt == "pcap":
            magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
            header = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)
            self._frame = self._pcap_frame
        else:
            header = self._pcapng_header(interface)
            self._frame = self._pcapng_frame
        self._append(header)

    @staticmethod
    def _option(code, value):
        pad = (-len(value)) & 3
        return struct.pack("<HH", code, len(value)) + value + b"\0" * pad

    def _pcapng_header(self, interface):
        shb_opts = self._option(4, b"glancetrace Benchmarks/generate-capture") + b"\0\0\0\0"
        shb_len = 28 + len(shb_opts)
        shb = struct.pack("<IIIHHq", 0x0A0D0D0A, shb_len, 0x1A2B3C4D, 1, 0, -1) + shb_opts + _U32.pack(shb_len)
        idb_opts = self._option(2, interface.encode())
        if self.nsec:
            idb_opts += self._option(9, b"\x09")  # if_tsresol: 10^-9
        idb_opts += b"\0\0\0\0"
        idb_len = 20 + len(idb_opts)
        idb = struct.pack("<IIHHI", 1, idb_len, LINKTYPE_ETHERNET, 0, SNAPLEN) + idb_opts + _U32.pack(idb_len)
        return shb + idb

    def _append(self, data):
        self.parts.append(data)
        self.pending += len(data)
        self.bytes += len(data)

    def packet(self, ts, header, payload=b""):
        """Appends one frame (header bytes + payload) at `ts` ns; returns the timestamp used."""
        if ts < self.last_ts:
            ts = self.last_ts
        self.last_ts = ts
        if self.first_ts is None:
            self.first_ts = ts
        n = len(header) + len(payload)
        head, tail = self._frame(ts, n)
        parts = self.parts
        parts.append(head)
        parts.append(header)
        if payload:
            parts.append(payload)
        if tail:
            parts.append(tail)
        size = len(head) + n + len(tail)
        self.packets += 1
        self.captured += n
        self.bytes += size
        self.pending += size
        if self.pending >= _FLUSH_AT:
            self.flush()
        return ts

    def _pcap_frame(self, ts, n):
        """A pcap record header for `n` bytes at `ts` ns; nothing follows the frame."""
        sec, frac = divmod(ts, 1_000_000_000)
        if not self.nsec:
            frac //= 1000
        return _PCAP_RECORD.pack(sec, frac, n, n), b""

    def _pcapng_frame(self, ts, n):
        """An Enhanced Packet Block's head for `n` bytes at `ts` ns, and its padding and trailing length."""
        units = ts if self.nsec else ts // 1000
        pad = (-n) & 3
        total = 32 + n + pad
        return _EPB_HEAD.pack(6, total, 0, units >> 32, units & 0xFFFFFFFF, n, n), b"\0" * pad + _U32.pack(total)

    def flush(self):
        if self.parts:
            self.file.write(b"".join(self.parts))
            self.parts = []
            self.pending = 0

    def close(self):
        self.flush()
        self.file.close()
