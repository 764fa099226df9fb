# The workload of a pod in the one-machine cluster (stdlib only, run by /usr/bin/python3 inside the pod's netns).
#   TCP 8080  HTTP: GET /big answers 200000 bytes, every other GET "NAMESPACE/POD\n"
#   UDP 5353  echo: answers "NAMESPACE/POD " + the datagram
#   TCP 9000  echo: sends back every byte it reads (round-trip timing)
# Prints "ready" once every socket listens; exits on SIGTERM.
import signal
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = sys.argv[1]


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"x" * 200000 if self.path == "/big" else (NAME + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class EchoServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def udp_echo(sock):
    while True:
        data, peer = sock.recvfrom(65536)
        sock.sendto((NAME + " ").encode() + data, peer)


http = ThreadingHTTPServer(("0.0.0.0", 8080), Hello)
http.daemon_threads = True
echo = EchoServer(("0.0.0.0", 9000), Echo)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", 5353))
for target, arg in ((http.serve_forever, None), (echo.serve_forever, None), (udp_echo, udp)):
    threading.Thread(target=target, args=() if arg is None else (arg,), daemon=True).start()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
signal.pause()
