# Generates big pcaps for the reader benchmark: real records repeated (a-seed, large
# segments), or small synthetic ones (60-1514 bytes). Usage: gen-capture.py real|small OUT GB [SOURCE]
import struct, sys, random
kind, out, target = sys.argv[1], sys.argv[2], int(float(sys.argv[3]) * 1e9)
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    written = 24
    if kind == 'real':
        data = open(sys.argv[4] if len(sys.argv) > 4 else 'a-seed.pcap', 'rb').read()
        recs = []; off = 24
        while off + 16 <= len(data):
            s, u, cl, ol = struct.unpack_from('<IIII', data, off)
            recs.append((s, u, data[off+16:off+16+cl], ol)); off += 16 + cl
        base = recs[0][0]; shift = 0
        while written < target:
            chunk = bytearray()
            for s, u, pkt, ol in recs:
                chunk += struct.pack('<IIII', s + shift, u, len(pkt), ol) + pkt
            f.write(chunk); written += len(chunk); shift += 100
    else:
        rnd = random.Random(1)
        payloads = [bytes(rnd.getrandbits(8) for _ in range(n)) for n in range(60, 1515)]
        t = 1_600_000_000_000_000
        while written < target:
            chunk = bytearray()
            for _ in range(10000):
                n = rnd.choice((60, 66, 74, 120, 300, 590, 1514))
                t += rnd.randint(1, 500)
                chunk += struct.pack('<IIII', t // 1_000_000, t % 1_000_000, n, n) + payloads[n - 60]
            f.write(chunk); written += len(chunk)
print(out, written)
