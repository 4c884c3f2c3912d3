"""The secrets on the wire of a capture, as GoldenReportTests finds them: for the output checkers
(`browser/check_sequence_view.py`, `otlp/check_otlp.py`) that prove none of them is printed."""
import os
import re


def secrets_of(capture):
    """Tokens (X-Auth-Token, X-Subject-Token values) and JSON passwords in the capture's bytes;
    none when there is no capture."""
    if not capture or not os.path.exists(capture):
        return set()
    text = open(capture, "rb").read().decode("latin-1")
    found = set()
    for header in ("X-Auth-Token: ", "X-Subject-Token: ", "x-auth-token: ", "x-subject-token: "):
        for match in re.finditer(re.escape(header) + r"([^\r\n]{16,})", text):
            found.add(match.group(1))
    for match in re.finditer(r'"password": "([^"]+)"', text):
        found.add(match.group(1))
    return found
