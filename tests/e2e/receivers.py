"""Real alert receivers on 127.0.0.1 for the channel tests: an HTTP server that records every
POST (a path may answer 500 first, or hold the request until released) and an SMTP server
(aiosmtpd) that records every mail."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    posts: list[Post] = field(default_factory=list)
    fail_first: set[str] = field(default_factory=set)  # paths answering 500 to their first POST
    hold: dict[str, threading.Event] = field(default_factory=dict)  # paths held until set
    held: dict[str, int] = field(default_factory=dict)  # requests now being held, by path
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str, scheme: str = "json", auth: str = "") -> str:
        return f"{scheme}://{auth}127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if p.path.split("?")[0] == path]


def start_http(port: int = 0) -> tuple[HttpReceiver, ThreadingHTTPServer]:
    rec = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            with rec.lock:
                first = not any(p.path.split("?")[0] == path for p in rec.posts)
                rec.posts.append(Post(self.path, dict(self.headers), body))
            if path in rec.hold:
                with rec.lock:
                    rec.held[path] = rec.held.get(path, 0) + 1
                rec.hold[path].wait(60)
            code = 500 if first and path in rec.fail_first else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    rec.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="http-receiver", daemon=True).start()
    return rec, server


@dataclass
class Mail:
    sender: str
    rcpts: list[str]
    data: str


class MailHandler:
    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        text = envelope.content.decode("utf-8", "replace")
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), text))
        return "250 OK"


def free_port() -> int:
    """A port nothing listens on now (for a receiver that is down, or one to start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
