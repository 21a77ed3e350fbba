#!/usr/bin/env python3
"""A tunnel endpoint in user space, for kernels without the tunnel's module.

    usertunnel.py flannel-udp LOCAL REMOTE TUNDEV [--ready FILE]
    usertunnel.py gre         LOCAL REMOTE TUNDEV [--key N] [--seq] [--csum] [--ready FILE]
    usertunnel.py gretap      LOCAL REMOTE TAPDEV [--key N] [--seq] [--csum] [--ready FILE]

It does what flanneld's udp backend does (flannel/backend/udp/proxy_amd64.c): read
each packet the kernel routes into a TUN device and send it, as it is, as the payload
of a UDP datagram from port 8285 to the peer's port 8285; write what arrives back into
the TUN device. gre / gretap do the same with an RFC 2784/2890 GRE header on a raw IP
socket (protocol 47) instead, protocol type 0x0800 / 0x86dd (TUN) or 0x6558 (TAP).
The inner packets and the outer IP/UDP headers are the kernel's own; only the GRE
header is built here (this kernel has no ip_gre module). Creates FILE once its
socket is bound (so the caller knows nothing will be refused). Runs until killed.
"""
import fcntl, os, select, socket, struct, sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
FLANNEL_UDP_PORT = 8285
GRE_C, GRE_K, GRE_S = 0x80, 0x20, 0x10


def open_tun(name, tap):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), (IFF_TAP if tap else IFF_TUN) | IFF_NO_PI))
    return fd


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    mode, local, remote, dev = sys.argv[1:5]
    opts = sys.argv[5:]
    key = int(opts[opts.index('--key') + 1]) if '--key' in opts else None
    use_seq, use_csum = '--seq' in opts, '--csum' in opts
    tun = open_tun(dev, mode == 'gretap')
    if mode == 'flannel-udp':
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((local, FLANNEL_UDP_PORT))
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
        sock.bind((local, 0))
    if '--ready' in opts:
        open(opts[opts.index('--ready') + 1], 'w').close()
    seq = 0
    while True:
        ready, _, _ = select.select([tun, sock], [], [])
        if tun in ready:
            pkt = os.read(tun, 65535)
            if mode == 'flannel-udp':
                sock.sendto(pkt, (remote, FLANNEL_UDP_PORT))
            else:
                ptype = 0x6558 if mode == 'gretap' else (0x86dd if pkt[0] >> 4 == 6 else 0x0800)
                flags = (GRE_C if use_csum else 0) | (GRE_K if key is not None else 0) | (GRE_S if use_seq else 0)
                opt = b''
                if use_csum:
                    opt += b'\0\0\0\0'
                if key is not None:
                    opt += struct.pack('!I', key)
                if use_seq:
                    opt += struct.pack('!I', seq)
                    seq += 1
                msg = bytearray(struct.pack('!BBH', flags, 0, ptype) + opt + pkt)
                if use_csum:
                    struct.pack_into('!H', msg, 4, csum(bytes(msg)))
                sock.sendto(bytes(msg), (remote, 0))
        if sock in ready:
            data, addr = sock.recvfrom(65535)
            if addr[0] != remote:
                continue
            if mode != 'flannel-udp':
                gre = (data[0] & 0x0f) * 4  # a raw IPv4 socket hands over the IP header too
                flags = data[gre]
                hlen = 4 + 4 * bool(flags & GRE_C) + 4 * bool(flags & GRE_K) + 4 * bool(flags & GRE_S)
                data = data[gre + hlen:]
            try:
                os.write(tun, data)
            except OSError:
                pass  # the device is not up yet: dropped, as the kernel would


if __name__ == '__main__':
    main()
