"""What every reduction of a test bed truth.json (../shared/testbed/truth.py) keeps, and how it is written.

The reduce scripts add their own members (proxy legs, clocks of several captures, the tracer's
attribution) to `reduced` and pass the whole to `write`.
"""
import gzip
import json

IMAGE_SUMMARY_KEYS = ("id", "name", "status", "size", "checksum")


def reduced(t, readme, http_keys, sql_keys):
    """The scenario, window, image summaries and transitions, the `http_keys(request)` of each request
    and the `sql_keys` of each Query statement of the truth `t`; `readme` says how it was reduced."""
    return {
        "scenario": t.get("scenario"),
        "reduced_from": "truth.json of ../shared/testbed (truth.py); see " + readme,
        "window": {k: t["window"][k] for k in ("start", "end")},
        "images": [{"summary": {k: i["summary"].get(k) for k in IMAGE_SUMMARY_KEYS}} for i in t.get("images", [])],
        "image_status_transitions": t.get("image_status_transitions", {}),
        "http_requests": [{k: r.get(k) for k in http_keys(r)} for r in t.get("http_requests", [])],
        "sql": [{k: s.get(k) for k in sql_keys} for s in t.get("sql", []) if s.get("command") == "Query"],
    }


def write(out, t, dst):
    """Adds the scenario notes' small members of `t` last and writes `out` to `dst` (gzip-compressed when
    `dst` ends in .gz, with no time in the gzip header so that a re-run gives the same bytes)."""
    notes = t.get("scenario_notes")
    if isinstance(notes, dict):
        out["scenario_notes"] = {k: v for k, v in notes.items() if k != "tshark_decrypted_requests"}
    text = json.dumps(out, indent=0, sort_keys=False)
    if dst.endswith(".gz"):
        with gzip.GzipFile(dst, "wb", mtime=0) as f:
            f.write(text.encode())
    else:
        with open(dst, "w") as f:
            f.write(text)
