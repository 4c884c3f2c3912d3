"""Ethernet/IPv4/TCP connections: handshakes, segmented sends, ACKs, FIN and RST closes.

Checksums are left zero (tshark does not verify them by default, libpcap never does).
Every segment carries the timestamp option, as Linux sends it, so a full-size segment on
a 1500-byte MTU carries 1448 bytes of payload.
"""

import struct

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MASK32 = 0xFFFFFFFF
MSS = 1448

# Ethernet (14) + IPv4 without options (20) + TCP with NOP NOP TS (32) = 66 bytes.
_DATA = struct.Struct("!6s6sH BBHHHBBH4s4s HHIIBBHHH BBBBII")
_DATA_LEN = 66
# SYN / SYN-ACK: TCP options MSS, SACK permitted, TS, NOP, window scale (40-byte TCP header).
_SYN = struct.Struct("!6s6sH BBHHHBBH4s4s HHIIBBHHH BBH BB BBII B BBB")
_SYN_LEN = 74


def mac_for(ip):
    return b"\x52\x54\x00" + ip[1:]


class Impairments:
    """Seeded reordering (adjacent swaps) and retransmissions (duplicates), with counts."""

    def __init__(self, rng, reorder=0.001, duplicate=0.001):
        self.rng = rng
        self.reorder = reorder
        self.duplicate = duplicate
        self.reordered = 0
        self.retransmitted = 0


class Endpoint:
    def __init__(self, ip, port):
        self.ip = bytes(ip)
        self.port = port
        self.mac = mac_for(self.ip)

    def __str__(self):
        return "%d.%d.%d.%d:%d" % (*self.ip, self.port)


class TCPConnection:
    """One simulated connection; direction 0 is client -> server, 1 is server -> client."""

    def __init__(self, net, client, server, rng):
        self.net = net
        self.w = net.writer
        self.ends = (client, server)
        self.isn = [rng.getrandbits(32), rng.getrandbits(32)]
        self.snd = list(self.isn)
        self.ip_id = [rng.getrandbits(16), rng.getrandbits(16)]
        self.clock = [rng.getrandbits(31), rng.getrandbits(31)]  # TS option clock offsets
        self.peer_tsval = [0, 0]
        self.bytes = 0
        self.window = (502, 509)
        net.register(self)

    # -- packet emission -------------------------------------------------------------

    def _tsval(self, d, ts):
        v = (ts // 1_000_000 + self.clock[d]) & MASK32
        self.peer_tsval[1 - d] = v
        return v

    def emit(self, d, ts, flags, payload=b"", seq=None):
        """Writes one segment from direction d; returns the timestamp actually used."""
        src, dst = self.ends[d], self.ends[1 - d]
        ip_id = self.ip_id[d]
        self.ip_id[d] = (ip_id + 1) & 0xFFFF
        if seq is None:
            seq = self.snd[d]
        ack = self.snd[1 - d] if flags & ACK else 0
        tsecr = self.peer_tsval[d]
        header = _DATA.pack(dst.mac, src.mac, 0x0800,
                            0x45, 0, 52 + len(payload), ip_id, 0x4000, 64, 6, 0, src.ip, dst.ip,
                            src.port, dst.port, seq, ack, 0x80, flags, self.window[d], 0, 0,
                            1, 1, 8, 10, self._tsval(d, ts), tsecr)
        before = self.w.bytes
        used = self.w.packet(ts, header, payload)
        self.bytes += self.w.bytes - before
        return used

    def _emit_syn(self, d, ts, flags):
        src, dst = self.ends[d], self.ends[1 - d]
        ip_id = self.ip_id[d]
        self.ip_id[d] = (ip_id + 1) & 0xFFFF
        ack = self.snd[1 - d] if flags & ACK else 0
        header = _SYN.pack(dst.mac, src.mac, 0x0800,
                           0x45, 0, 60, ip_id, 0x4000, 64, 6, 0, src.ip, dst.ip,
                           src.port, dst.port, self.snd[d], ack, 0xA0, flags, 64240 if d == 0 else 65160, 0, 0,
                           2, 4, MSS + 12, 4, 2, 8, 10, self._tsval(d, ts), self.peer_tsval[d] if flags & ACK else 0,
                           1, 3, 3, 7)
        before = self.w.bytes
        used = self.w.packet(ts, header)
        self.bytes += self.w.bytes - before
        self.snd[d] = (self.snd[d] + 1) & MASK32
        return used

    # -- connection life ---------------------------------------------------------------

    def handshake(self, ts, rtt=60_000):
        """SYN, SYN-ACK, ACK; returns the time after the last one."""
        ts = self._emit_syn(0, ts, SYN)
        ts = self._emit_syn(1, ts + rtt // 2, SYN | ACK)
        return self.emit(0, ts + rtt // 2, ACK)

    def ack(self, d, ts):
        return self.emit(d, ts, ACK)

    def close_fin(self, d, ts, rtt=60_000):
        """Orderly close started by direction d: FIN, FIN, ACK."""
        ts = self.emit(d, ts, FIN | ACK)
        self.snd[d] = (self.snd[d] + 1) & MASK32
        ts = self.emit(1 - d, ts + rtt // 2, FIN | ACK)
        self.snd[1 - d] = (self.snd[1 - d] + 1) & MASK32
        ts = self.emit(d, ts + rtt // 2, ACK)
        self.net.closed("fin")
        return ts

    def close_rst(self, d, ts):
        ts = self.emit(d, ts, RST | ACK)
        self.net.closed("rst")
        return ts

    def send(self, d, data, ts, mss=MSS, spacing=12_000, ack_delay=40_000, final_ack=True):
        """Sends `data` from direction d in full-size segments (PSH on the last).

        The peer ACKs every second segment and, if `final_ack`, the end of the message
        (a request/response protocol would otherwise piggyback the ACK). Returns the time
        after the last packet. Applies the seeded reordering and retransmission.
        """
        view = memoryview(data)
        total = len(view)
        if total == 0:
            return ts
        offsets = list(range(0, total, mss))
        net = self.net
        rng = net.impair.rng
        i = 0
        count = len(offsets)
        base = self.snd[d]
        while i < count:
            r = rng.random()
            if r < net.impair.reorder and i + 1 < count:
                order = (i + 1, i)
                net.impair.reordered += 1
            else:
                order = (i,)
            for k in order:
                off = offsets[k]
                chunk = view[off:off + mss]
                flags = ACK | PSH if k == count - 1 else ACK
                ts = self.emit(d, ts, flags, chunk, (base + off) & MASK32) + spacing
                if rng.random() < net.impair.duplicate:
                    net.impair.retransmitted += 1
                    ts = self.emit(d, ts, flags, chunk, (base + off) & MASK32) + spacing
            i += len(order)
            self.snd[d] = (base + min(offsets[i - 1] + mss, total)) & MASK32
            if i % 2 == 0 and i < count:
                ts = self.emit(1 - d, ts, ACK) + spacing
        self.snd[d] = (base + total) & MASK32
        if final_ack:
            ts = self.emit(1 - d, ts + ack_delay, ACK)
        return ts

    def stream(self, d, source, mss, spacing, sched, ts, ack_every=2):
        """Sends everything `source` yields, as a scheduler actor (a generator of wake times).

        Gives the scheduler back control whenever another actor is due, so the bulk
        transfer interleaves with the rest of the traffic in timestamp order. Starts at
        `ts`; returns the time after the last segment.
        """
        net = self.net
        impair = net.impair
        rng = impair.rng
        emit = self.emit
        take = source.take
        n = 0
        while True:
            payload = take(mss)
            size = len(payload)
            if size == 0:
                break
            seq = self.snd[d]
            r = rng.random()
            if r < impair.reorder:
                following = take(mss)
                if len(following):
                    impair.reordered += 1
                    seq2 = (seq + size) & MASK32
                    self.snd[d] = (seq2 + len(following)) & MASK32
                    ts = emit(d, ts, ACK, following, seq2) + spacing
                    ts = emit(d, ts, ACK, payload, seq) + spacing
                    n += 2
                    if n % ack_every < 2:
                        emit(1 - d, ts - spacing // 2, ACK)
                    if ts >= sched.next_time():
                        yield ts
                    continue
            self.snd[d] = (seq + size) & MASK32
            ts = emit(d, ts, ACK, payload, seq) + spacing
            if r > 1.0 - impair.duplicate:
                impair.retransmitted += 1
                ts = emit(d, ts, ACK, payload, seq) + spacing
            n += 1
            if n % ack_every == 0:
                emit(1 - d, ts - spacing // 2, ACK)
            if ts >= sched.next_time():
                yield ts
        return ts


class ByteSource:
    """Cuts a sequence of byte blocks into segments, copying only across block edges."""

    def __init__(self, blocks):
        self.it = iter(blocks)
        self.cur = memoryview(b"")
        self.off = 0

    def take(self, n):
        cur, off = self.cur, self.off
        avail = len(cur) - off
        if avail >= n:
            self.off = off + n
            return cur[off:off + n]
        parts = [cur[off:]] if avail > 0 else []
        need = n - avail
        for block in self.it:
            block = memoryview(block)
            if len(block) >= need:
                parts.append(block[:need])
                self.cur, self.off = block, need
                return b"".join(parts)
            parts.append(block)
            need -= len(block)
        self.cur, self.off = memoryview(b""), 0
        return b"".join(parts)
