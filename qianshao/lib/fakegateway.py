"""A fake HTTP gateway for tests: a real server on loopback, in a thread.

It records every request and answers 200 ``{"ok": true}``, unless told otherwise:

    with FakeGateway() as gateway:
        gateway.fail_next(2, status=500)   # the next two requests get a 500
        gateway.fail_next(1, status=None)  # the next one: connection closed, no answer
        gateway.fail_next(1, status=GARBLED)  # the next one: an answer that is not HTTP
        gateway.go_down()                  # nothing listens: connection refused
        gateway.come_back()                # listening again on the same port
        gateway.hold()                     # answers wait until gateway.release()
        gateway.requests[0].json, gateway.requests[0].headers["Authorization"]

No code of the project is mocked: the project sends real HTTP to ``gateway.url``.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GARBLED = -1


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode())


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a dropped connection is what the test asked for


class FakeGateway:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[Recorded] = []
        self._failures: deque[tuple[int | None, str]] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._released = threading.Event()
        self._released.set()
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "FakeGateway":
        self._server = _Server((self._host, self._port), self._handler())
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeGateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}/"

    # -- behaviour -------------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int | None = 500, body: str = "error") -> None:
        """Answer the next ``count`` requests with ``status``; ``None`` drops the connection,
        ``GARBLED`` answers with bytes that are not HTTP."""
        with self._lock:
            self._failures.extend([(status, body)] * count)

    def go_down(self) -> None:
        """Stop listening, so that connections are refused."""
        self.stop()

    def come_back(self) -> None:
        """Listen again, on the same port."""
        self.start()

    def hold(self) -> None:
        """Keep every answer waiting until ``release()``."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have arrived; say whether they did."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    # -- the server side -------------------------------------------------------------------
    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with gateway._arrived:
                    gateway.requests.append(
                        Recorded(self.command, self.path, dict(self.headers.items()), body)
                    )
                    failure = gateway._failures.popleft() if gateway._failures else None
                    gateway._arrived.notify_all()
                gateway._released.wait(30)
                if failure is None:
                    self._answer(200, b'{"ok": true}')
                elif failure[0] is None:
                    self.close_connection = True
                    self.connection.close()
                elif failure[0] == GARBLED:
                    self.close_connection = True
                    self.wfile.write(b"SMS OK\r\n\r\n")
                else:
                    self._answer(failure[0], failure[1].encode())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
