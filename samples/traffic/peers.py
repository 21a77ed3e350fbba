"""Both ends of the traffic scenarios that socat cannot shape exactly (make-traffic-captures.sh).

    peers.py sink PORT                          TCP: read every connection to EOF, then close
    peers.py send HOST PORT BYTES SECONDS       TCP: send BYTES spread over SECONDS, then close
    peers.py fin-rst-server PORT                TCP: read a request, answer, close (FIN)
    peers.py fin-rst-client HOST PORT           TCP: request, read the answer to EOF, close with SO_LINGER 0 (RST)
    peers.py keepalive-server PORT              TCP: echo one line, then wait for the peer to close
    peers.py keepalive-client HOST PORT IDLE    TCP: one line each way, IDLE s idle with keep-alives every 1 s, close
    peers.py dns-server PORT                    UDP: answer every DNS query with one A record
    peers.py dns-client HOST PORT NAME TRIES    UDP: one DNS query, asked again after 1 s unanswered, TRIES times
"""
import socket
import struct
import sys
import time


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(4)
    return s


def sink(port):
    with listener(port) as s:
        c, _ = s.accept()
        while c.recv(65536):
            pass
        c.close()


def send(host, port, total, seconds):
    chunk = 65536
    n = max(1, total // chunk)
    c = socket.create_connection((host, port))
    start = time.monotonic()
    for i in range(n):
        c.sendall(b"x" * chunk)
        wait = start + seconds * (i + 1) / n - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()


def fin_rst_server(port):
    with listener(port) as s:
        c, _ = s.accept()
        c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        c.close()
        time.sleep(1)


def fin_rst_client(host, port):
    c = socket.create_connection((host, port))
    c.sendall(b"GET / HTTP/1.1\r\nHost: pod-a\r\n\r\n")
    while c.recv(4096):
        pass
    time.sleep(0.2)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def keepalive_server(port):
    with listener(port) as s:
        c, _ = s.accept()
        c.sendall(c.recv(4096))
        while c.recv(4096):
            pass
        c.close()


def keepalive_client(host, port, idle):
    c = socket.create_connection((host, port))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    c.sendall(b"hello\n")
    c.recv(4096)
    time.sleep(idle)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    c.close()


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        q, peer = s.recvfrom(512)
        qid, = struct.unpack("!H", q[:2])
        question = q[12:]
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton("10.96.0.10")
        s.sendto(struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + answer, peer)


def dns_client(host, port, name, tries):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    for i in range(tries):
        s.sendto(struct.pack("!HHHHHH", 0x1234 + i, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", 1, 1), (host, port))
        try:
            s.recvfrom(512)
            return
        except socket.timeout:
            pass


def main(cmd, *args):
    num = [int(a) if a.isdigit() else a for a in args]
    {
        "sink": sink, "send": send, "fin-rst-server": fin_rst_server, "fin-rst-client": fin_rst_client,
        "keepalive-server": keepalive_server, "keepalive-client": keepalive_client,
        "dns-server": dns_server, "dns-client": dns_client,
    }[cmd](*num)


if __name__ == "__main__":
    main(*sys.argv[1:])
