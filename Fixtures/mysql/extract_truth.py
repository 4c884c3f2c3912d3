#!/usr/bin/env python3
"""Keep what the MySQL tests need of a shared capture's truth.json (MariaDB's general log).

usage: extract_truth.py TRUTH.json OUT.truth.json.gz
"""
import gzip
import json
import sys

truth = json.load(open(sys.argv[1]))
out = {
    "scenario": truth["scenario"],
    "window": [truth["window"]["start"], truth["window"]["end"]],
    "connections": [{"connection_id": c["connection_id"], "client_port": c["client_port"],
                     "user": c["user"], "db": c["db"]} for c in truth["mysql_connections"]],
    "sql": [[s["time"], s["connection_id"], s["command"], s["statement"]] for s in truth["sql"]],
}
with gzip.open(sys.argv[2], "wt", compresslevel=9) as f:
    json.dump(out, f, separators=(",", ":"))
