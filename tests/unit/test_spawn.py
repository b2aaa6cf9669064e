"""engine/spawn.py: a run's process started without Popen's Python, as Popen would start it
(and by Popen itself where the lean path is not there): the output, stdin, session, closed
descriptors, environment and PATH lookup the child sees, and the errors the caller gets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from taskrun_gui.engine import spawn


@pytest.fixture(params=["lean", "popen"])
def way(request, monkeypatch):
    if request.param == "popen":
        monkeypatch.setattr(spawn, "_lean", False)
    elif not spawn._lean:
        pytest.skip("no _posixsubprocess.fork_exec with this Python's signature")
    return request.param


def run(argv, env=None, cwd=None):
    """Start argv as a run's process; (exit code, what it wrote to stdout and stderr)."""
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    env = env if env is not None else {k.encode(): v.encode() for k, v in os.environ.items()}
    try:
        child = spawn.spawn(argv, env, cwd, write_fd)
    finally:
        os.close(write_fd)
    out = b""
    with os.fdopen(read_fd, "rb") as fh:
        out = fh.read()
    _pid, status = os.waitpid(child.pid, 0)
    if child.popen is not None:
        child.popen.returncode = os.waitstatus_to_exitcode(status)
    return os.waitstatus_to_exitcode(status), out


def py(code):
    return [sys.executable, "-c", code]


def test_stdout_and_stderr_are_one_stream_in_the_order_written(way):
    code = "import os; os.write(1, b'a\\n'); os.write(2, b'b\\n'); os.write(1, b'c\\n'); exit(3)"
    assert run(py(code)) == (3, b"a\nb\nc\n")


def test_stdin_is_dev_null_and_the_child_leads_its_own_session(way):
    code = "import os, sys; print(repr(sys.stdin.read()), os.getsid(0) == os.getpid())"
    assert run(py(code)) == (0, b"'' True\n")


def test_no_descriptor_of_the_host_reaches_the_child(way):
    leaked = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(leaked, True)
    try:
        code = f"import os\ntry: os.fstat({leaked}); print('open')\nexcept OSError: print('closed')"
        assert run(py(code)) == (0, b"closed\n")
    finally:
        os.close(leaked)


def test_the_environment_and_path_lookup_are_the_given_ones(way, tmp_path):
    tool = tmp_path / "only-here"
    tool.write_text('#!/bin/sh\necho "$MARK" "$(pwd)"\n')
    tool.chmod(0o755)
    env = {b"PATH": str(tmp_path).encode() + b":/usr/bin:/bin", b"MARK": b"m1"}
    assert run(["only-here"], env, cwd=str(tmp_path)) == (0, f"m1 {tmp_path}\n".encode())


def _popen_error(argv, cwd):
    try:
        subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL).wait()
    except OSError as exc:
        return exc
    raise AssertionError("Popen started it")


@pytest.mark.parametrize("case", ["missing", "not executable", "bad cwd"])
def test_a_child_that_cannot_exec_raises_what_popen_raises(way, tmp_path, case):
    plain = tmp_path / "plain.sh"
    plain.write_text("echo hi\n")
    argv, cwd = {
        "missing": (["no-such-program-xyz"], None),
        "not executable": ([str(plain)], None),
        "bad cwd": (["true"], str(tmp_path / "gone")),
    }[case]
    expected = _popen_error(argv, cwd)
    with pytest.raises(OSError) as got:
        run(argv, cwd=cwd)
    assert type(got.value) is type(expected)
    assert (got.value.errno, got.value.filename) == (expected.errno, expected.filename)
