"""The host's command socket answers its own user only, and a client that went away before
sending its request has nothing done for it."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from taskrun_gui.engine import command_socket
from taskrun_gui.engine.command_socket import Answer, CommandListener


def _listener(tmp_path: Path, asked: list[dict[str, Any]]) -> CommandListener:
    def handler(request: dict[str, Any]) -> Answer:
        asked.append(request)
        return Answer(3, b"out", b"err")

    listener = CommandListener(tmp_path, handler)
    assert listener.start()
    return listener


def _ask(path: Path, request: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(path))
        got = b""
        if request:
            got = s.recv(100)
            s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        while chunk := s.recv(65536):
            got += chunk
        return got


def test_the_same_user_is_answered_with_code_and_bytes(tmp_path: Path) -> None:
    asked: list[dict[str, Any]] = []
    listener = _listener(tmp_path, asked)
    try:
        assert stat.S_IMODE(os.stat(listener.path).st_mode) == 0o600
        got = _ask(listener.path, b'{"argv": ["runs"]}\n')
        assert got == b'{"taskrun": 1}\n{"code": 3, "out": 3, "err": 3}\nouterr'
        assert asked == [{"argv": ["runs"]}]
        _ask(listener.path, b"")  # greeted, then gone: no request, nothing done
        assert _ask(listener.path, b'{"n": 2}\n').endswith(b"outerr")
        assert asked == [{"argv": ["runs"]}, {"n": 2}]
    finally:
        listener.stop()
    assert not listener.path.exists()


def test_another_user_is_closed_on_without_a_greeting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[dict[str, Any]] = []
    listener = _listener(tmp_path, asked)
    try:
        other = os.getuid() + 1
        monkeypatch.setattr(command_socket.os, "getuid", lambda: other)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(listener.path))
            assert s.recv(100) == b""
        assert asked == []
    finally:
        listener.stop()
