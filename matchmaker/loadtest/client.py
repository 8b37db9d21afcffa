"""A small HTTP client for one simulated user: its own connection and cookies, forms posted
with the CSRF token read from the page, redirects recorded rather than followed."""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"')
RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass
class Reply:
    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    seconds: float
    body: str = ""
    location: str = ""
    error: str = ""

    def csrf_token(self) -> str:
        found = CSRF.search(self.body)
        return (found.group(1) or found.group(2)) if found else ""

    @property
    def location_path(self) -> str:
        return urlsplit(self.location).path


class Browser:
    """Keeps one keep-alive connection and the cookies the server set (the session cookie is
    marked Secure in production; over loopback HTTP it is sent back all the same, as a TLS
    proxy in front of gunicorn would)."""

    DEFAULT_TIMEOUT = 120.0

    def __init__(
        self, host: str, port: int, language: str = "ja", timeout: float = DEFAULT_TIMEOUT
    ):
        self.host, self.port, self.timeout = host, port, timeout
        self.language = language
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.used = False  # whether the open connection already carried a request

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.used = False
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _headers(self, body: bytes | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language, "Accept": "text/html", "User-Agent": "mm-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        """One request (one retry when a kept-alive connection was closed by the server)."""
        body = urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.used
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=self._headers(body))
                self.used = True
                response = conn.getresponse()
                data = response.read()
            except RETRYABLE as exc:
                self.close()
                if reused and attempt == 1:
                    continue
                return Reply(0, time.perf_counter() - started, error=type(exc).__name__)
            except (OSError, http.client.HTTPException) as exc:  # timeouts are OSErrors
                self.close()
                return Reply(0, time.perf_counter() - started, error=type(exc).__name__)
            seconds = time.perf_counter() - started
            self._remember(response)
            if response.will_close:
                self.close()
            return Reply(
                response.status,
                seconds,
                data.decode("utf-8", "replace"),
                response.getheader("Location", ""),
            )
        raise AssertionError("unreachable")

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Reply:
        return self.request("POST", path, form)

    def sign_in(self, email: str, password: str) -> tuple[Reply, Reply]:
        """The login page (for its CSRF token), then the form post; 302 means signed in."""
        page = self.get("/login")
        if page.status != 200:
            return page, page
        reply = self.post(
            "/login", {"csrf_token": page.csrf_token(), "email": email, "password": password}
        )
        return page, reply
