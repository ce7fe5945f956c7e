"""Headless Chromium driven through the DevTools protocol over a pipe (no extra package): open
a page, record every request it makes, and evaluate expressions in it once it has loaded."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def chromium() -> str | None:
    """The Chromium binary, or ``None`` when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True, slots=True)
class PageVisit:
    """What a page did while it loaded: the URL of every request, and evaluated values."""

    requests: tuple[str, ...]
    values: dict[str, Any]


def _high(fd: int) -> int:
    """``fd`` moved to 10 or above, so it is never the 3 or 4 the browser expects."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class _Pipe:
    def __init__(self, profile: Path) -> None:
        to_chrome_read, self._write = (_high(fd) for fd in os.pipe())
        self._read, from_chrome_write = (_high(fd) for fd in os.pipe())
        # The protocol pipe is the browser's fds 3 (commands in) and 4 (replies out); a small
        # Python program puts them there and becomes the browser.
        placer = (
            f"import os, sys; os.dup2({to_chrome_read}, 3); os.dup2({from_chrome_write}, 4); "
            "os.execvp(sys.argv[1], sys.argv[1:])"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", placer, chromium() or "chromium", "--headless", "--no-sandbox",
             "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "--window-size=1280,900"],
            pass_fds=(to_chrome_read, from_chrome_write),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        os.close(self._write)
        os.close(self._read)


def visit(
    page: Path, profile: Path, expressions: dict[str, str], *, timeout: float = 60
) -> PageVisit:
    """Load ``page`` in a fresh headless Chromium and return its requests and the values of
    ``expressions`` (JavaScript, evaluated after the load event)."""
    pipe = _Pipe(profile)
    try:
        target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        pipe.send("Network.enable", session)
        pipe.send("Page.enable", session)
        pipe.send("Page.navigate", session, url=page.as_uri())
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in pipe.events):
            if time.monotonic() > deadline:
                raise TimeoutError("the page did not load")
            pipe.events.append(pipe.receive())
        # Anything the page starts after its load event (none should) gets a moment too.
        pipe.send("Runtime.evaluate", session, expression="new Promise(r => setTimeout(r, 500))",
                  awaitPromise=True)  # fmt: skip
        values = {}
        for name, code in expressions.items():
            reply = pipe.send("Runtime.evaluate", session, expression=code, returnByValue=True)
            values[name] = reply["result"].get("value")
        requests = tuple(
            event["params"]["request"]["url"]
            for event in pipe.events
            if event.get("method") == "Network.requestWillBeSent"
            and event.get("sessionId") == session
        )
        return PageVisit(requests=requests, values=values)
    finally:
        pipe.close()
