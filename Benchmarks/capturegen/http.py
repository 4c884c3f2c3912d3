"""HTTP/1.1 messages of Keystone and Glance, shaped like the test bed's real ones."""

import base64
import email.utils
import hashlib
import json
import time

CLIENT_UA = b"openstacksdk/4.22.0 keystoneauth1/5.18.1 python-requests/2.34.2 CPython/3.11.7"
GLANCECLIENT_UA = b"python-glanceclient"


def http_date(ts_ns):
    return email.utils.formatdate(ts_ns / 1e9, usegmt=True).encode()


def iso(ts_ns):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts_ns // 1_000_000_000))


def stable_id(*parts):
    """A 32-hex-digit id that is the same in every run (str hash() is salted per process)."""
    return hashlib.md5("/".join(parts).encode()).hexdigest()


def request(method, path, host, headers=(), body=b"", ua=CLIENT_UA, content_length=True):
    lines = [b"%s %s HTTP/1.1" % (method.encode(), path.encode()), b"Host: " + host.encode(),
             b"User-Agent: " + ua, b"Accept-Encoding: gzip, deflate", b"Accept: application/json",
             b"Connection: keep-alive"]
    lines += [b"%s: %s" % (k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in headers]
    if content_length and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def response(status, reason, ts_ns, headers=(), body=b"", request_id=None):
    lines = [b"HTTP/1.1 %d %s" % (status, reason.encode())]
    lines += [b"%s: %s" % (k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in headers]
    lines.append(b"Content-Length: %d" % len(body))
    if request_id:
        lines.append(b"x-openstack-request-id: " + request_id.encode())
    lines.append(b"Date: " + http_date(ts_ns))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def fernet_token(rng):
    return "gAAAAAB" + base64.urlsafe_b64encode(rng.randbytes(138)).decode().rstrip("=")


def request_id(rng):
    h = "%032x" % rng.getrandbits(128)
    return "req-%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def token_request(user, password, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "password": password, "name": user, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
    return json.dumps(body).encode()


def token_body(ts_ns, user_id, project_id, audit_id):
    endpoints = []
    for service, kind, port in (("keystone", "identity", 5000), ("glance", "image", 9292)):
        endpoints.append({"endpoints": [
            {"id": stable_id(service, iface), "interface": iface, "region_id": "regionOne",
             "url": "http://192.168.24.2:%d%s" % (port, "/v3" if kind == "identity" else ""), "region": "regionOne"}
            for iface in ("public", "internal", "admin")], "id": stable_id(service),
            "type": kind, "name": service})
    body = {"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"},
            "id": user_id, "name": "admin", "password_expires_at": None}, "audit_ids": [audit_id],
            "expires_at": iso(ts_ns + 3600 * 10 ** 9).replace("Z", ".000000Z"),
            "issued_at": iso(ts_ns).replace("Z", ".000000Z"),
            "project": {"domain": {"id": "default", "name": "Default"}, "id": project_id, "name": "admin"},
            "is_domain": False, "roles": [{"id": "d4c0b6e0a7b24b1d8c7f2e1b9a0c3d5e", "name": "admin"},
                                          {"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "member"},
                                          {"id": "3b1f3c4a7d0e4f5c9b2a1e0d8c7b6a59", "name": "reader"}],
            "catalog": endpoints}}
    return json.dumps(body).encode()


def image_json(image, ts_ns):
    doc = {
        "name": image["name"], "disk_format": image["disk_format"],
        "container_format": image["container_format"], "visibility": image["visibility"],
        "size": image.get("size_now"), "virtual_size": None, "status": image["status_now"],
        "checksum": image.get("checksum_now"), "protected": False, "min_ram": 0, "min_disk": 0,
        "owner": image["owner"], "os_hidden": False, "os_hash_algo": image.get("algo_now"),
        "os_hash_value": image.get("sha512_now"), "id": image["id"],
        "created_at": image["created_at"], "updated_at": iso(ts_ns), "tags": [],
        "self": "/v2/images/" + image["id"], "file": "/v2/images/%s/file" % image["id"],
        "schema": "/v2/schemas/image", "stores": "file" if image["status_now"] == "active" else None,
    }
    for key, value in image.get("properties_now", {}).items():
        doc[key] = value
    if doc["stores"] is None:
        del doc["stores"]
    return json.dumps(doc).encode()


def not_found_body(name):
    return ("<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n"
            "  No image found with ID %s<br /><br />\n\n\n\n </body>\n</html>" % name).encode()
