"""A PyMySQL client connection to MariaDB: login, session setup, queries, pings, quit.

Methods that take time are generators for the scheduler (`t = yield from s.query(...)`):
the server's reply is written only when the scheduler reaches its time, so other
connections' packets fall in between as they would on the wire.
"""

import time

from . import mysql as my
from .tcp import MSS, Endpoint, TCPConnection

DB_SERVER = Endpoint((192, 168, 24, 3), 3306)


def sql_time(ts_ns):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts_ns // 1_000_000_000)) + ".%06d" % (
        ts_ns // 1000 % 1_000_000)


class MySQLSession:
    def __init__(self, net, rng, client_ip, user, connection_id):
        self.net = net
        self.rng = rng
        self.user = user
        self.connection_id = connection_id
        self.conn = TCPConnection(net, Endpoint(client_ip, net.ephemeral_port(bytes(client_ip))), DB_SERVER, rng)
        net.mysql_connections += 1

    def _delay(self, low=150_000, high=1_500_000):
        return self.rng.randrange(low, high)

    def open(self, t):
        """TCP handshake, server greeting, login, OK, then oslo.db's session setup."""
        conn = self.conn
        t = conn.handshake(t)
        t += 80_000
        yield t
        scramble = bytes(self.rng.randrange(33, 127) for _ in range(20))
        t = conn.send(1, my.greeting(self.connection_id, scramble), t, final_ack=False)
        t += 120_000
        yield t
        auth = self.rng.randbytes(20)
        t = conn.send(0, my.handshake_response(self.user.encode(), auth, self.user.encode()), t, final_ack=False)
        t += 200_000
        yield t
        t = conn.send(1, my.ok(2, status=0x0002), t, final_ack=False)
        for text, kind in my.SESSION_SETUP:
            if kind == "ok":
                reply = my.ok(1, status=0x0002)
            elif kind == "version":
                reply = my.VERSION_SHAPE.response([(b"10.11.19-MariaDB-0+deb12u1",)])
            else:
                reply = my.SQL_MODE_SHAPE.response([(b"sql_mode", b"STRICT_TRANS_TABLES,STRICT_ALL_TABLES,"
                                                     b"NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                                                     b"TRADITIONAL,NO_ENGINE_SUBSTITUTION")])
            t = yield from self.query(text, reply, t + 50_000)
        return t

    def query(self, text, reply, t, delay=None):
        """COM_QUERY `text`; MariaDB answers `reply` (encoded packets) after `delay` ns."""
        conn = self.conn
        self.net.queries += 1
        t = conn.send(0, my.command(my.COM_QUERY, text.encode()), t, final_ack=False)
        t += delay if delay is not None else self._delay()
        yield t
        return conn.send(1, reply, t, final_ack=len(reply) > MSS)

    def ping(self, t):
        self.net.pings += 1
        t = self.conn.send(0, my.command(my.COM_PING), t, final_ack=False)
        t += 60_000
        yield t
        return self.conn.send(1, my.ok(1, status=0x0002), t, final_ack=False)

    def quit(self, t):
        """COM_QUIT; the client closes (PyMySQL does not wait for the server's FIN)."""
        self.net.quits += 1
        t = self.conn.send(0, my.command(my.COM_QUIT), t, final_ack=False)
        return self.conn.close_fin(0, t + 30_000)
