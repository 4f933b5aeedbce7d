#!/usr/bin/env python3
# A STUN binding responder that answers after a fixed delay, so the gathering benchmark can measure against a server as far away as a real one (the lab's coturn answers in microseconds).
"""far_stun.py --bind IP:PORT --delay-ms N

Answers every STUN Binding request (RFC 5389) with a Binding success response carrying the
sender's XOR-MAPPED-ADDRESS, N ms after it arrived (the round trip to a far server). Anything
else is ignored. Stdlib only; prints one line when it is listening. Run it inside the lab's
ivl-net namespace, where the client's requests arrive NATed, so the mapped address is the lab's
public one, as from coturn.
"""
import argparse
import asyncio
import socket
import struct
import sys

MAGIC = 0x2112A442
BINDING_REQUEST, BINDING_SUCCESS = 0x0001, 0x0101
XOR_MAPPED_ADDRESS = 0x0020


def response(request, addr):
    """The Binding success for `request` from `addr`, or None if it is not a Binding request."""
    if len(request) < 20:
        return None
    mtype, _length, magic = struct.unpack_from('!HHI', request)
    if mtype != BINDING_REQUEST or magic != MAGIC:
        return None
    txid = request[8:20]
    ip, port = addr[0], addr[1]
    xport = port ^ (MAGIC >> 16)
    if ':' in ip:
        raw = socket.inet_pton(socket.AF_INET6, ip)
        key = struct.pack('!I', MAGIC) + txid
        value = struct.pack('!BBH', 0, 2, xport) + bytes(a ^ b for a, b in zip(raw, key))
    else:
        xip = struct.unpack('!I', socket.inet_aton(ip))[0] ^ MAGIC
        value = struct.pack('!BBHI', 0, 1, xport, xip)
    attr = struct.pack('!HH', XOR_MAPPED_ADDRESS, len(value)) + value
    return struct.pack('!HHI', BINDING_SUCCESS, len(attr), MAGIC) + txid + attr


class Responder(asyncio.DatagramProtocol):
    def __init__(self, delay):
        self.delay = delay
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        reply = response(data, addr)
        if reply is not None:
            asyncio.get_running_loop().call_later(self.delay, self.transport.sendto, reply, addr)


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bind', required=True, help='IP:PORT to listen on (UDP)')
    ap.add_argument('--delay-ms', type=float, required=True, help='answer this long after each request')
    args = ap.parse_args()
    host, _, port = args.bind.rpartition(':')
    if not host or not port.isdigit() or not 0 <= args.delay_ms <= 10000:
        ap.error('--bind needs IP:PORT and --delay-ms 0..10000')
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Responder(args.delay_ms / 1000), local_addr=(host, int(port)))
    print(f'far_stun: listening on udp {host}:{port}, answering after {args.delay_ms:g} ms', flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
