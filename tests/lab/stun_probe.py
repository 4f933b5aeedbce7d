#!/usr/bin/env python3
# Tiny stdlib-only STUN/TURN client so the lab can prove its NAT, coturn and proxy work without any browser.
"""stun_probe.py - minimal STUN (RFC 5389) / TURN (RFC 5766) probe for the IceVeil lab.

Subcommands (run inside the ivl-client namespace, e.g. `tests/lab/lab.sh exec -- python3 tests/lab/stun_probe.py ...`):

  binding  --server HOST:PORT [--tcp] [--expect-mapped IP]
      Sends a Binding request and prints the XOR-MAPPED-ADDRESS.

  allocate --server HOST:PORT --user U --password P [--tcp]
           [--http-proxy HOST:PORT | --socks5 HOST:PORT] [--expect-relay-ip IP]
      Allocate -> 401 (REALM, NONCE) -> Allocate with MESSAGE-INTEGRITY -> success;
      prints XOR-RELAYED-ADDRESS and XOR-MAPPED-ADDRESS, then releases the
      allocation (Refresh, LIFETIME 0). --http-proxy tunnels the TCP connection
      through HTTP CONNECT, --socks5 through a SOCKS5 CONNECT (both imply --tcp).

  ping     --host IP [--timeout S]
      One ICMP echo over a raw socket (root; stdlib instead of iputils-ping,
      which the machine may not have). Reports a reply, an ICMP error (e.g.
      "net unreachable" from the router) or silence.

Prints one JSON object on stdout; exit 0 on success, 1 on a negative answer
(no reply, refused, wrong address), 2 on a usage error.
Only ever talks to the address given with --server / the proxy.
"""
import argparse
import hashlib
import hmac
import ipaddress
import json
import os
import socket
import struct
import sys
import zlib

MAGIC = 0x2112A442
BINDING, ALLOCATE, REFRESH = 0x0001, 0x0003, 0x0004
CLASS_SUCCESS, CLASS_ERROR = 0x0100, 0x0110

A_MAPPED = 0x0001
A_USERNAME = 0x0006
A_MI = 0x0008
A_ERROR = 0x0009
A_LIFETIME = 0x000D
A_XOR_PEER = 0x0012
A_REALM = 0x0014
A_NONCE = 0x0015
A_XOR_RELAYED = 0x0016
A_REQ_TRANSPORT = 0x0019
A_XOR_MAPPED = 0x0020
A_SOFTWARE = 0x8022
A_FINGERPRINT = 0x8028


class ProbeError(Exception):
    pass


def hostport(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + b"\0" * pad


def build(msg_type, tid, attrs, key=None, fingerprint=True):
    body = b"".join(attr(t, v) for t, v in attrs)
    if key is not None:
        # Length covers everything up to and including MESSAGE-INTEGRITY.
        hdr = struct.pack("!HHI", msg_type, len(body) + 24, MAGIC) + tid
        mac = hmac.new(key, hdr + body, hashlib.sha1).digest()
        body += attr(A_MI, mac)
    if fingerprint:
        hdr = struct.pack("!HHI", msg_type, len(body) + 8, MAGIC) + tid
        crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(A_FINGERPRINT, struct.pack("!I", crc))
    return struct.pack("!HHI", msg_type, len(body), MAGIC) + tid + body


def parse(data):
    if len(data) < 20:
        raise ProbeError("short STUN message")
    mtype, mlen, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC:
        raise ProbeError("bad magic cookie")
    tid = data[8:20]
    attrs, off = [], 20
    while off + 4 <= 20 + mlen:
        t, l = struct.unpack("!HH", data[off:off + 4])
        attrs.append((t, data[off + 4:off + 4 + l]))
        off += 4 + l + ((4 - l % 4) % 4)
    return mtype, tid, attrs


def xor_addr(v, tid):
    fam = v[1]
    port = struct.unpack("!H", v[2:4])[0] ^ (MAGIC >> 16)
    if fam == 1:
        ip = ipaddress.IPv4Address(struct.unpack("!I", v[4:8])[0] ^ MAGIC)
    else:
        key = struct.pack("!I", MAGIC) + tid
        ip = ipaddress.IPv6Address(bytes(a ^ b for a, b in zip(v[4:20], key)))
    return str(ip), port


def get(attrs, t):
    for at, v in attrs:
        if at == t:
            return v
    return None


def error_of(attrs):
    v = get(attrs, A_ERROR)
    if v is None:
        return None, ""
    return v[2] * 100 + v[3], v[4:].decode("utf-8", "replace")


class Conn:
    def __init__(self, server, tcp=False, http_proxy=None, socks5=None, timeout=3.0):
        self.server = server
        self.tcp = tcp or bool(http_proxy) or bool(socks5)
        self.log = []
        if not self.tcp:
            self.s = socket.socket(socket.AF_INET6 if ":" in server[0] else socket.AF_INET, socket.SOCK_DGRAM)
            self.s.settimeout(timeout)
            self.s.connect(server)
            return
        target = http_proxy or socks5 or server
        self.s = socket.create_connection(target, timeout=timeout)
        self.buf = b""
        if http_proxy:
            req = "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (server[0], server[1], server[0], server[1])
            self.s.sendall(req.encode())
            head = self._read_until(b"\r\n\r\n")
            status = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.log.append("proxy: " + status)
            if " 200" not in status:
                raise ProbeError("HTTP CONNECT refused: " + status)
        elif socks5:
            self.s.sendall(b"\x05\x01\x00")
            if self._read_exact(2) != b"\x05\x00":
                raise ProbeError("SOCKS5 greeting refused")
            ip = ipaddress.ip_address(server[0])
            atyp = b"\x01" if ip.version == 4 else b"\x04"
            self.s.sendall(b"\x05\x01\x00" + atyp + ip.packed + struct.pack("!H", server[1]))
            rep = self._read_exact(4)
            if rep[1] != 0:
                raise ProbeError("SOCKS5 CONNECT refused, reply code %d" % rep[1])
            self._read_exact({1: 4, 4: 16}.get(rep[3], 0) + 2)
            self.log.append("proxy: SOCKS5 CONNECT ok")

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ProbeError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_until(self, marker):
        while marker not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ProbeError("connection closed")
            self.buf += chunk
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def transact(self, msg, tries=3):
        tid = msg[8:20]
        for _ in range(tries if not self.tcp else 1):
            self.s.send(msg) if not self.tcp else self.s.sendall(msg)
            try:
                while True:
                    if self.tcp:
                        hdr = self._read_exact(20)
                        data = hdr + self._read_exact(struct.unpack("!H", hdr[2:4])[0])
                    else:
                        data = self.s.recv(2048)
                    mtype, rtid, attrs = parse(data)
                    if rtid == tid:
                        return mtype, attrs
            except socket.timeout:
                continue
        raise ProbeError("no answer from %s:%d" % self.server)


def do_binding(a):
    c = Conn(hostport(a.server), tcp=a.tcp)
    tid = os.urandom(12)
    mtype, attrs = c.transact(build(BINDING, tid, []))
    if mtype != BINDING | CLASS_SUCCESS:
        code, reason = error_of(attrs)
        raise ProbeError("binding failed: type 0x%04x %s %s" % (mtype, code, reason))
    v = get(attrs, A_XOR_MAPPED)
    mapped = xor_addr(v, tid) if v else None
    out = {"ok": True, "op": "binding", "transport": "tcp" if c.tcp else "udp",
           "server": a.server, "xor_mapped": "%s:%d" % mapped if mapped else None}
    if a.expect_mapped and (not mapped or mapped[0] != a.expect_mapped):
        out["ok"] = False
        out["error"] = "expected mapped address %s" % a.expect_mapped
    return out


def do_allocate(a):
    c = Conn(hostport(a.server), tcp=a.tcp, http_proxy=hostport(a.http_proxy) if a.http_proxy else None,
             socks5=hostport(a.socks5) if a.socks5 else None)
    transport = [(A_REQ_TRANSPORT, bytes([17, 0, 0, 0]))]  # UDP relay (what browsers request)
    mtype, attrs = c.transact(build(ALLOCATE, os.urandom(12), transport))
    code, reason = error_of(attrs)
    if mtype != ALLOCATE | CLASS_ERROR or code != 401:
        raise ProbeError("expected 401 challenge, got type 0x%04x code %s %s" % (mtype, code, reason))
    realm, nonce = get(attrs, A_REALM), get(attrs, A_NONCE)
    if realm is None or nonce is None:
        raise ProbeError("401 without REALM/NONCE")
    key = hashlib.md5(("%s:%s:%s" % (a.user, realm.decode(), a.password)).encode()).digest()
    auth = [(A_USERNAME, a.user.encode()), (A_REALM, realm), (A_NONCE, nonce)]
    tid = os.urandom(12)
    mtype, attrs = c.transact(build(ALLOCATE, tid, transport + auth, key=key))
    if mtype != ALLOCATE | CLASS_SUCCESS:
        code, reason = error_of(attrs)
        raise ProbeError("authenticated Allocate failed: type 0x%04x %s %s" % (mtype, code, reason))
    relayed = xor_addr(get(attrs, A_XOR_RELAYED), tid)
    mv = get(attrs, A_XOR_MAPPED)
    mapped = xor_addr(mv, tid) if mv else None
    # Release the allocation so repeated checks do not pile up state in coturn.
    try:
        c.transact(build(REFRESH, os.urandom(12), [(A_LIFETIME, b"\0\0\0\0")] + auth, key=key))
    except ProbeError:
        pass
    out = {"ok": True, "op": "allocate", "transport": "tcp" if c.tcp else "udp",
           "via": ("http-connect " + a.http_proxy) if a.http_proxy else ("socks5 " + a.socks5) if a.socks5 else "direct",
           "server": a.server, "realm": realm.decode(), "xor_relayed": "%s:%d" % relayed,
           "xor_mapped": "%s:%d" % mapped if mapped else None, "log": c.log}
    if a.expect_relay_ip and relayed[0] != a.expect_relay_ip:
        out["ok"] = False
        out["error"] = "expected relay address on %s" % a.expect_relay_ip
    return out


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def do_ping(a):
    import select
    import time
    ident, seq = os.getpid() & 0xFFFF, 1
    payload = b"iceveil-lab"
    pkt = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    pkt = pkt[:2] + struct.pack("!H", checksum(pkt)) + pkt[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    out = {"ok": False, "op": "ping", "host": a.host}
    try:
        s.sendto(pkt, (a.host, 0))
    except OSError as e:
        out["result"] = "send failed: %s" % e
        return out
    deadline = time.time() + a.timeout
    while True:
        left = deadline - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            out["result"] = "no reply"
            return out
        data, src = s.recvfrom(2048)
        ihl = (data[0] & 0x0F) * 4
        typ, code = data[ihl], data[ihl + 1]
        if typ == 0 and struct.unpack("!HH", data[ihl + 4:ihl + 8]) == (ident, seq) and src[0] == a.host:
            out.update(ok=True, result="echo reply from %s" % src[0])
            return out
        if typ in (3, 11):  # unreachable / time exceeded, quoting our echo
            inner = data[ihl + 8:]
            iihl = (inner[0] & 0x0F) * 4 if inner else 0
            if len(inner) >= iihl + 8 and struct.unpack("!HH", inner[iihl + 4:iihl + 8]) == (ident, seq):
                out["result"] = "ICMP type %d code %d from %s" % (typ, code, src[0])
                return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("binding")
    b.add_argument("--server", required=True)
    b.add_argument("--tcp", action="store_true")
    b.add_argument("--expect-mapped")
    al = sub.add_parser("allocate")
    al.add_argument("--server", required=True)
    al.add_argument("--user", required=True)
    al.add_argument("--password", required=True)
    al.add_argument("--tcp", action="store_true")
    al.add_argument("--http-proxy")
    al.add_argument("--socks5")
    al.add_argument("--expect-relay-ip")
    pg = sub.add_parser("ping")
    pg.add_argument("--host", required=True)
    pg.add_argument("--timeout", type=float, default=1.0)
    a = p.parse_args()
    try:
        out = {"binding": do_binding, "allocate": do_allocate, "ping": do_ping}[a.cmd](a)
    except (ProbeError, OSError) as e:
        out = {"ok": False, "op": a.cmd, "error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
