"""What the test bed's oracle scripts read with tshark: display-filtered fields, and the headers of
an HTTP request or response line list (`http.request.line`, `http.response.line`)."""
import subprocess


def tshark(capture, fields, display):
    """Each packet matching `display` as a list of its `fields` (the last one may hold `|`)."""
    out = subprocess.run(["tshark", "-r", capture, "-Y", display, "-T", "fields", "-E", "separator=|"]
                         + sum([["-e", f] for f in fields], []), capture_output=True, text=True, check=True).stdout
    return [line.split("|", len(fields) - 1) for line in out.splitlines()]


def headers(text):
    """tshark's header lines (comma-joined, each ending in an escaped CRLF) by lower-case name."""
    result = {}
    for line in text.split("\\r\\n,"):
        key, _, value = line.partition(": ")
        result[key.lower()] = value.replace("\\r\\n", "")
    return result
