"""Real alert receivers on 127.0.0.1 for tests: a Slack-like webhook and an SMTP server.

tests/conftest.py makes fixtures of them (`webhook`, `smtp`); tests that need one configured
differently (slow, with a login) build their own from these classes.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookReceiver:
    """Records every POST it takes; answers 500 to the next `fail_next` posts, 404 echoing the
    path asked for to the next `echo_path_next` (as a chatty proxy does) and 429 with
    Retry-After `retry_after` to the next `rate_limit_next`. With `delay`, each answer comes
    that many seconds after the request arrived (`arrived` is set when one does)."""

    def __init__(self, path: str = "/hook", delay: float = 0.0) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.n_requests = 0
        self.fail_next = 0
        self.echo_path_next = 0
        self.rate_limit_next = 0
        self.retry_after = "0"
        self.delay = delay
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrived.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, answer = 200, b"ok"
                with receiver.lock:
                    receiver.n_requests += 1
                    if receiver.rate_limit_next > 0:
                        receiver.rate_limit_next -= 1
                        status, answer = 429, b"rate_limited"
                    elif receiver.echo_path_next > 0:
                        receiver.echo_path_next -= 1
                        status, answer = 404, f"no_service {self.path}".encode()
                    elif receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status, answer = 500, b"server_error\x1b[2J"
                    else:
                        receiver.posts.append((dict(self.headers.items()), body))
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", receiver.retry_after)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        return [headers["Idempotency-Key"] for headers, _ in self.posts]

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.posts]


class SmtpHandler:
    """aiosmtpd's handler: keeps every mail taken; answers 451 to the next `fail_next`."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.fail_next = 0
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 try again later"
        self.mails.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def smtp_controller(handler: SmtpHandler, *, password: bytes | None = None,
                    **options: object) -> Controller:
    """An SMTP server for handler on a free port; with password, one that requires a login
    (over plain text on loopback unless options ask for STARTTLS)."""
    if password is not None:
        from aiosmtpd.smtp import AuthResult

        def authenticator(server, session, envelope, mechanism, auth_data):
            handler.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == password)

        options = {"auth_required": True, "auth_require_tls": False,
                   "authenticator": authenticator, **options}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    handler.port = controller.port
    return controller
