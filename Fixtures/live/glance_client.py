#!/usr/bin/env python3
"""Drives glance_stub.py the way `openstack image create --file` drives Glance.

    glance_client.py --port 9292 --name NAME [--size BYTES] [--images N] [--seconds S]

For each image: GET /v2/images/NAME (404: no such image yet), POST /v2/images (201),
PUT /v2/images/ID/file with SIZE bytes (204), GET /v2/images/ID (200, active), all on
one keep-alive connection. With --seconds, keeps creating images (NAME-1, NAME-2, ...)
until that much time has passed (traffic for rotation and interruption tests).

Prints one JSON object on stdout: {"images": [{"id", "name", "size", "md5"}], "calls":
[[method, path, status], ...]} -- what the client itself saw, the truth the capture is
compared with.
"""
import argparse
import hashlib
import http.client
import json
import sys
import time


def payload(size, seed):
    """Deterministic bytes (SHA-256 in counter mode): the same image every run."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"%s-%d" % (seed.encode(), counter)).digest() * 64
        counter += 1
    return bytes(out[:size])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9292)
    parser.add_argument("--name", default="live-image")
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--images", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--pause", type=float, default=0, help="seconds to sleep between images")
    args = parser.parse_args()

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    calls, images = [], []

    def call(method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        calls.append([method, path, response.status])
        return response.status, data

    start = time.monotonic()
    n = 0
    while True:
        n += 1
        name = args.name if args.images == 1 and not args.seconds else "%s-%d" % (args.name, n)
        status, _ = call("GET", "/v2/images/" + name)
        assert status == 404, status
        status, data = call("POST", "/v2/images",
                            json.dumps({"name": name, "disk_format": "raw", "container_format": "bare",
                                        "visibility": "public"}),
                            {"Content-Type": "application/json"})
        assert status == 201, status
        image_id = json.loads(data)["id"]
        body = payload(args.size, name)
        status, _ = call("PUT", "/v2/images/%s/file" % image_id, body,
                         {"Content-Type": "application/octet-stream"})
        assert status == 204, status
        status, data = call("GET", "/v2/images/" + image_id)
        assert status == 200 and json.loads(data)["status"] == "active", (status, data)
        images.append({"id": image_id, "name": name, "size": len(body), "md5": hashlib.md5(body).hexdigest()})
        if args.seconds:
            if time.monotonic() - start >= args.seconds:
                break
        elif n >= args.images:
            break
        if args.pause:
            time.sleep(args.pause)
    conn.close()
    json.dump({"images": images, "calls": calls}, sys.stdout)
    print()


if __name__ == "__main__":
    sys.exit(main())
