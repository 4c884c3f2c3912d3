"""Background traffic: Keystone token requests from many clients, image listings, and the
steady stream of SQL from the Keystone and Glance connection pools."""

import json
import uuid

from . import http
from . import mysql as my
from .mysqlsession import MySQLSession, sql_time
from .tcp import Endpoint, TCPConnection

KEYSTONE = Endpoint((192, 168, 24, 2), 5000)
GLANCE = Endpoint((192, 168, 24, 5), 9292)
KEYSTONE_HOST = (192, 168, 24, 2)
GLANCE_HOST = (192, 168, 24, 5)
USER_ID = "0f6c6f6e5c2a4f0c9d0e7a8b3c2d1e0f"
PROJECT_ID = "80550d9e7d274cde96e79297387c09f3"


def client_ip(rng):
    return (192, 168, 24, rng.randrange(100, 200))


def keystone_token(net, rng, sched, ip, close, image_flow=False, conns=None):
    """A client's POST /v3/auth/tokens on a new connection; returns (token, time)."""
    conn = TCPConnection(net, Endpoint(ip, net.ephemeral_port(bytes(ip))), KEYSTONE, rng)
    if conns is not None:
        conns.append(conn)
    t = conn.handshake(sched.now)
    body = http.token_request("admin", "Sup3rSecret-%d" % rng.randrange(10 ** 6), "admin")
    request = http.request("POST", "/v3/auth/tokens", "192.168.24.2:5000",
                           [("Content-Type", "application/json")], body)
    t = conn.send(0, request, t + 20_000, final_ack=False)
    t += rng.randrange(80_000_000, 400_000_000)  # password hashing makes this slow
    yield t
    token = http.fernet_token(rng)
    audit = http.fernet_token(rng)[7:29]
    reply = http.response(201, "Created", t, [("Content-Type", "application/json"), ("X-Subject-Token", token),
                                               ("Vary", "X-Auth-Token")],
                          http.token_body(t, USER_ID, PROJECT_ID, audit), http.request_id(rng))
    t = conn.send(1, reply, t)
    net.http("keystone", "POST", "/v3/auth/tokens", 201, image_flow)
    if close == "fin":
        t += 2_000_000
        yield t
        t = conn.close_fin(0, t)
    elif close == "rst":
        t += 1_000_000
        yield t
        t = conn.close_rst(0, t)
    else:  # uWSGI closes idle keep-alive connections after 4 s
        t += 4_000_000_000
        yield t
        t = conn.close_fin(1, t)
    return token, t


def keystone_client(net, rng, sched):
    r = rng.random()
    close = "fin" if r < 0.7 else "rst" if r < 0.9 else "idle"
    yield from keystone_token(net, rng, sched, client_ip(rng), close)


def glance_listing(net, rng, sched, images):
    """GET /v2/images on a new connection, answered with the pre-existing images."""
    ip = client_ip(rng)
    conn = TCPConnection(net, Endpoint(ip, net.ephemeral_port(bytes(ip))), GLANCE, rng)
    t = conn.handshake(sched.now)
    request = http.request("GET", "/v2/images?limit=20", "192.168.24.5:9292",
                           [("X-Auth-Token", http.fernet_token(rng))])
    t = conn.send(0, request, t + 20_000, final_ack=False)
    t += rng.randrange(5_000_000, 40_000_000)
    yield t
    body = json.dumps({"images": [json.loads(http.image_json(i, t)) for i in images],
                       "first": "/v2/images?limit=20", "schema": "/v2/schemas/images"}).encode()
    reply = http.response(200, "OK", t, [("Content-Type", "application/json")], body, http.request_id(rng))
    t = conn.send(1, reply, t)
    net.http("glance", "GET", "/v2/images?limit=20", 200)
    t += 3_000_000
    yield t
    conn.close_fin(0, t)


def existing_images(rng, created_ns):
    """Images that were active before the capture (they show up in listings and SELECTs)."""
    out = []
    for name, fmt in (("cirros-0.6.2-x86_64-disk", "qcow2"), ("ubuntu-22.04-server", "qcow2"),
                      ("fedora-coreos-40", "raw"), ("centos-stream-9", "qcow2"), ("rhel-9.4-guest", "qcow2")):
        out.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "name": name,
                    "disk_format": fmt, "container_format": "bare", "visibility": "public",
                    "owner": PROJECT_ID, "created_at": http.iso(created_ns), "status_now": "active",
                    "size_now": rng.randrange(10 ** 7, 10 ** 9), "checksum_now": "%032x" % rng.getrandbits(128),
                    "algo_now": "sha512", "sha512_now": "%0128x" % rng.getrandbits(512)})
    return out


def image_row(image, ts_ns):
    size = image.get("size_now")
    return tuple(None if v is None else str(v).encode() for v in (
        sql_time(ts_ns - 3600 * 10 ** 9), sql_time(ts_ns), None, 0, image["id"], image["name"],
        image["disk_format"], image["container_format"], size, None, image["status_now"], image["visibility"],
        image.get("checksum_now"), image.get("algo_now"), image.get("sha512_now"), 0, 0, image["owner"], 0, 0))


def pool_query(rng, service, images, ts):
    """One query a Keystone or Glance worker would send, and MariaDB's reply."""
    r = rng.random()
    if service == "keystone":
        if r < 0.25:
            return my.USER_SELECT % USER_ID, my.USER_SHAPE.response([(
                USER_ID.encode(), b"default", b"1", b"{}", PROJECT_ID.encode(), b"2026-11-20 10:00:00",
                sql_time(ts).encode()[:10])])
        if r < 0.45:
            return my.PROJECT_SELECT % PROJECT_ID, my.PROJECT_SHAPE.response([(
                PROJECT_ID.encode(), b"admin", b"default", b"Bootstrap project for initializing the cloud.",
                b"1", b"{}", b"default", b"0")])
        if r < 0.60:
            return (my.ASSIGNMENT_SELECT % (USER_ID, PROJECT_ID),
                    my.ASSIGNMENT_SHAPE.response([(b"UserProject", USER_ID.encode(), PROJECT_ID.encode(),
                                                   b"d4c0b6e0a7b24b1d8c7f2e1b9a0c3d5e", b"0")]))
        if r < 0.70:
            return my.REVOCATION_SELECT % sql_time(ts - 3600 * 10 ** 9), my.REVOCATION_SHAPE.response([])
        if r < 0.75:
            return ("UPDATE user SET last_active_at='%s' WHERE user.id = '%s'" % (sql_time(ts)[:10], USER_ID),
                    my.ok(1, affected=1))
        if r < 0.95:
            return "COMMIT", my.ok(1)
        return "ROLLBACK", my.ok(1)
    image = images[rng.randrange(len(images))]
    if r < 0.35:
        return my.IMAGE_SELECT % image["id"], my.IMAGE_SHAPE.response([image_row(image, ts)])
    if r < 0.55:
        rows = [(sql_time(ts).encode(), sql_time(ts).encode(), None, b"0", str(1000 + k).encode(),
                 image["id"].encode(), name, value)
                for k, (name, value) in enumerate(((b"hw_architecture", b"x86_64"), (b"os_distro", b"linux"),
                                                   (b"stores", b"file"))[:1 + rng.randrange(3)])]
        return my.PROPERTY_SELECT % image["id"], my.PROPERTY_SHAPE.response(rows)
    if r < 0.65:
        text = (my.IMAGE_SELECT.split(" \nWHERE")[0] + " \nWHERE images.deleted = false AND "
                "(images.visibility = 'public' OR images.owner = '%s') ORDER BY images.created_at DESC, "
                "images.id DESC \n LIMIT 21" % PROJECT_ID)
        return text, my.IMAGE_SHAPE.response([image_row(i, ts) for i in images])
    if r < 0.90:
        return "COMMIT", my.ok(1)
    return "ROLLBACK", my.ok(1)


def pool_connection(net, rng, sched, session, service, images, count, end, fresh=True, close=True):
    """One pooled connection sending `count` queries spread until `end`, pinged before use."""
    t = sched.now
    if fresh:
        t = yield from session.open(t)
    else:
        net.without_handshake += 1
    start = t
    step = max(2, (end - t) // max(count, 1))
    for i in range(count):
        t = max(t, start + i * step + rng.randrange(step // 2, step + step // 2))
        yield t
        if rng.random() < 0.25:
            t = yield from session.ping(t)
            t += 100_000
        text, reply = pool_query(rng, service, images, t)
        t = yield from session.query(text, reply, t)
    if close:
        t += 5_000_000
        yield t
        session.quit(t)


def pool(net, rng, sched, service, client, first_id, images, count, end, connections=4, preexisting=0):
    """Spawns a service's connection pool; returns the sessions."""
    sessions = []
    for k in range(connections):
        session = MySQLSession(net, rng, client, service, first_id + k)
        fresh = k >= preexisting
        close = k % 2 == 0
        sched.spawn(sched.now + k * 7_000_000,
                    pool_connection(net, rng, sched, session, service, images, count // connections, end,
                                    fresh, close))
        sessions.append(session)
    return sessions
