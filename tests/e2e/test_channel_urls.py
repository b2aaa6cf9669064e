"""`taskrun channel add` and what it shows of a URL: query values named like credentials
masked as header values are (`-token=`, `:apikey=` showed in full), a webhook's argument
Apprise never sends said so (`?token=` vanished without a word), impossible ports refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import one_line_refusal, taskrun


def test_what_channel_add_and_list_show_of_a_webhook_url(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = "json://127.0.0.1:8080/hook?token=PLAIN1&-token=GET2&:apikey=BODY3&:source=me"
    res = taskrun(data, "channel", "add", "hook", url)
    assert res.returncode == 0, res.stderr
    shown = "json://127.0.0.1:8080/hook?-token=****&:apikey=****&:source=me"
    assert res.stdout == f"channel 'hook' added: {shown}\n"
    assert res.stderr == (
        "taskrun: warning: the URL's token is not sent: a webhook takes -token=… as a query"
        " argument, :token=… as a field of the body, +token=… as a header\n"
    )
    listed = taskrun(data, "channel", "list", "--json")
    assert [c["url"] for c in json.loads(listed.stdout) if c["name"] == "hook"] == [shown]
    for secret in ("PLAIN1", "GET2", "BODY3"):
        assert secret not in res.stdout + res.stderr + listed.stdout


def test_an_impossible_port_is_refused(tmp_path: Path) -> None:
    for port in ("0", "99999"):
        res = taskrun(tmp_path / "data", "channel", "add", "p", f"json://127.0.0.1:{port}/x")
        one_line_refusal(res, f"port {port}: must be 1 to 65535")
