"""What the fixture recorders read with tshark: the fields of each packet of a capture, and its times."""
import subprocess


def tshark_rows(capture, display, fields):
    """The `fields` of each packet of `capture` that matches the display filter `display`, one list a
    packet; a field tshark left out at the end of a line is an empty string."""
    cmd = ["tshark", "-r", capture, "-Y", display, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    lines = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    rows = []
    for line in lines:
        columns = line.split("\t")
        rows.append(columns + [""] * (len(fields) - len(columns)))
    return rows


def ns(epoch):
    """`frame.time_epoch` ("seconds.fraction") in nanoseconds, without a float's rounding."""
    sec, _, frac = epoch.partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])
