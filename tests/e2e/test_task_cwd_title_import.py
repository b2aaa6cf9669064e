"""Task definitions on the command line: a working directory that does not exist is refused
when the task is saved (as the runner would expand it: `~` only), a task's display title is
set, shown and exported beside its command-line name, and an import over a taken name says
which file it was and what the user can do."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import one_line_refusal as _one_line_refusal
from tests.e2e.cli import taskrun, taskrun_json


def test_a_missing_working_directory_is_refused_on_add_and_edit(tmp_path: Path) -> None:
    d = tmp_path / "data"
    missing = tmp_path / "nowhere"
    res = taskrun(d, "task", "add", "t", "--command", "true", "--cwd", str(missing))
    _one_line_refusal(res, f"cwd: the working directory {str(missing)!r} does not exist")
    assert taskrun_json(d, "task", "list", "--json") == []
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    ok = taskrun(d, "task", "add", "t", "--command", "pwd", "--cwd", "~/work", HOME=str(home))
    assert ok.returncode == 0, ok.stderr
    res = taskrun(d, "task", "edit", "t", "--cwd", "~/gone", HOME=str(home))
    _one_line_refusal(res, "does not exist on this machine")
    assert f"(= {home / 'gone'!s})" in res.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    res = taskrun(d, "task", "edit", "t", "--cwd", str(a_file), HOME=str(home))
    _one_line_refusal(res, "is not a folder")
    shown = taskrun_json(d, "task", "show", "t", "--json")
    assert shown["definition"]["cwd"] == "~/work"


def test_a_title_with_spaces_beside_the_command_line_name(tmp_path: Path) -> None:
    d = tmp_path / "data"
    res = taskrun(d, "task", "add", "my new task", "--command", "true")
    _one_line_refusal(res, "a title with spaces goes in the task's title")
    res = taskrun(d, "task", "add", "photos", "--command", "true", "--title", "Nightly photos")
    assert res.returncode == 0, res.stderr
    listed = taskrun(d, "task", "list")
    header, row = listed.stdout.splitlines()
    assert header.split() == ["NAME", "TITLE", "VERSION", "KIND", "TAGS", "SCHEDULE"]
    assert row.startswith("photos  Nightly photos  1")
    [summary] = taskrun_json(d, "task", "list", "--json")
    assert (summary["name"], summary["title"]) == ("photos", "Nightly photos")
    shown = taskrun(d, "task", "show", "photos")
    assert "# title: Nightly photos\n" in shown.stdout
    assert 'title = "Nightly photos"' in shown.stdout
    out = tmp_path / "photos.toml"
    assert taskrun(d, "task", "export", "photos", "--out", str(out)).returncode == 0
    assert 'title = "Nightly photos"' in out.read_text()
    res = taskrun(d, "task", "edit", "photos", "--title", "two\nlines")
    _one_line_refusal(res, "title: must be one line")
    assert taskrun(d, "task", "edit", "photos", "--title", "").returncode == 0
    assert taskrun_json(d, "task", "show", "photos", "--json")["title"] == ""
    assert taskrun(d, "task", "list").stdout.splitlines()[0].split()[1] == "VERSION"
    assert taskrun(d, "task", "import", str(out), "--replace").returncode == 0
    assert taskrun_json(d, "task", "show", "photos", "--json")["title"] == "Nightly photos"


def test_an_import_over_a_taken_name_names_the_file_and_the_ways_out(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "alpha", "--command", "echo old").returncode == 0
    f = tmp_path / "defs" / "alpha.toml"
    f.parent.mkdir()
    f.write_text('name = "alpha"\ncommand = "echo new"\n')
    res = taskrun(d, "task", "import", str(f.parent))
    _one_line_refusal(res, f"task(s) already exist: alpha (in {f})")
    assert "--replace" in res.stderr and "--rename" in res.stderr and "--skip" in res.stderr
    res = taskrun(d, "task", "import", str(f), "--rename")
    assert res.returncode == 0, res.stderr
    assert "as 'alpha-2': the name was taken" in res.stdout
    res = taskrun(d, "task", "import", str(f), "--skip-existing")
    assert "skipped 1 that exist: alpha" in res.stdout
    names = [t["name"] for t in taskrun_json(d, "task", "list", "--json")]
    assert names == ["alpha", "alpha-2"]


def test_a_folder_gone_since_blocks_no_other_edit_nor_an_import(tmp_path: Path) -> None:
    """The cwd is checked when it is set: a folder removed since does not lock the task
    (editing its title still works), and a definition imported from another machine is
    taken with a working directory this machine does not have."""
    d, work = tmp_path / "data", tmp_path / "work"
    work.mkdir()
    assert taskrun(d, "task", "add", "t", "--command", "true", "--cwd", str(work)).returncode == 0
    work.rmdir()
    res = taskrun(d, "task", "edit", "t", "--title", "  Still editable  ")
    assert res.returncode == 0, res.stderr
    assert taskrun_json(d, "task", "show", "t", "--json")["title"] == "Still editable"
    other = tmp_path / "other.toml"
    other.write_text(f'name = "o"\ncommand = "true"\ncwd = "{tmp_path / "elsewhere"}"\n')
    res = taskrun(d, "task", "import", str(other))
    assert res.returncode == 0, res.stderr


def test_a_title_is_printable_text(tmp_path: Path) -> None:
    """No terminal escape (it would reach `task list`'s terminal), no tab, no Unicode line
    separator: each refused in one line, nothing saved."""
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "t", "--command", "true").returncode == 0
    for title in ("a\x1b[31mred", "a\tb", "a\u2028b"):
        res = taskrun(d, "task", "edit", "t", "--title", title)
        _one_line_refusal(res, "title: must be")
    assert taskrun_json(d, "task", "show", "t", "--json")["title"] == ""
