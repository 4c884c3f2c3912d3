#!/usr/bin/env python3
"""Record what tshark reassembles for every TCP stream of a capture, as SHA-256 digests.

    Fixtures/expected/reassembly/record_follow_digests.py CAPTURE... 

For each capture, writes Fixtures/expected/reassembly/<scenario>.follow.txt (the scenario is
the capture's folder name) with one line per tcp.stream:

    <stream> <node0> <node1> <bytes 0->1> <sha256 0->1> <bytes 1->0> <sha256 1->0>

taken from `tshark -o tcp.reassemble_out_of_order:TRUE -q -z follow,tcp,raw,N` (tshark's
"Node 0" lines are unindented, "Node 1" lines start with a tab). The first line is
`connections <count>`, the number of tcp.stream values. ReassemblyTests compares the
reassembler's output with these files. Re-run only when the captures change; review the diff.
"""
import hashlib, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))

def streams(capture):
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True, check=True).stdout
    values = {int(v) for v in out.split() if v.strip()}
    return max(values) + 1 if values else 0

def follow(capture, count):
    args = ["tshark", "-r", capture, "-o", "tcp.reassemble_out_of_order:TRUE", "-q"]
    for n in range(count):
        args += ["-z", f"follow,tcp,raw,{n}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result = {}
    current = None
    for line in out.split("\n"):
        if line.startswith("Filter: tcp.stream eq "):
            current = {"stream": int(line.split()[-1]), "nodes": [], "data": [bytearray(), bytearray()]}
            result[current["stream"]] = current
        elif current is None:
            continue
        elif line.startswith("Node 0: ") or line.startswith("Node 1: "):
            current["nodes"].append(line[8:].strip())
        elif line.startswith("===") or line.startswith("Follow:") or not line.strip():
            continue
        elif line.startswith("\t"):
            current["data"][1] += bytes.fromhex(line.strip())
        else:
            current["data"][0] += bytes.fromhex(line.strip())
    return result

def main():
    for capture in sys.argv[1:]:
        scenario = os.path.basename(os.path.dirname(os.path.abspath(capture)))
        count = streams(capture)
        followed = follow(capture, count)
        lines = [f"connections {count}"]
        for n in range(count):
            s = followed.get(n)
            if s is None or len(s["nodes"]) != 2:
                lines.append(f"{n} - - 0 {hashlib.sha256(b'').hexdigest()} 0 {hashlib.sha256(b'').hexdigest()}")
                continue
            d0, d1 = s["data"]
            lines.append(f"{n} {s['nodes'][0]} {s['nodes'][1]} {len(d0)} {hashlib.sha256(d0).hexdigest()} "
                         f"{len(d1)} {hashlib.sha256(d1).hexdigest()}")
        path = os.path.join(HERE, f"{scenario}.follow.txt")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(path, count, "streams")

if __name__ == "__main__":
    main()
