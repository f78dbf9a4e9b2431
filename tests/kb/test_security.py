"""Files a package names stay inside it, are regular files, and are read with a cap."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from phalanx.kb import DataPackageError, load_package
from phalanx.kb import tables as kb_tables


def set_path(folder: Path, table: str, path: str) -> None:
    d = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in d["resources"] if r["name"] == table)["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")


def one_problem(folder: Path) -> str:
    with pytest.raises(DataPackageError) as info:
        load_package(folder)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("path", ["../outside/votes.csv", "/etc/votes.csv", "a\\..\\votes.csv"])
def test_descriptor_paths_stay_relative(anzus, path):
    set_path(anzus, "votes", path)
    msg = one_problem(anzus)
    assert "datapackage.json: field 'resources.8.path': must be a relative path" in msg


def test_a_symlink_out_of_the_package_is_refused(anzus, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text((anzus / "votes.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (anzus / "votes.csv").unlink()
    (anzus / "votes.csv").symlink_to(outside)
    msg = one_problem(anzus)
    assert "votes.csv:" in msg and "lies outside the folder" in msg


def test_a_symlink_inside_the_package_is_read(anzus):
    (anzus / "data").mkdir()
    os.replace(anzus / "votes.csv", anzus / "data" / "votes.csv")
    (anzus / "votes.csv").symlink_to(anzus / "data" / "votes.csv")
    assert load_package(anzus).rows("votes") == []


def test_a_descriptor_symlinked_out_is_refused(anzus, tmp_path):
    outside = tmp_path / "elsewhere.json"
    os.replace(anzus / "datapackage.json", outside)
    (anzus / "datapackage.json").symlink_to(outside)
    msg = one_problem(anzus)
    assert "datapackage.json:" in msg and "lies outside the folder" in msg


def test_a_device_is_refused(anzus):
    # /dev/zero named through a link inside the package: never read (it would grow forever)
    (anzus / "votes.csv").unlink()
    (anzus / "votes.csv").symlink_to("/dev/zero")
    msg = one_problem(anzus)
    assert "votes.csv: table lies outside the folder" in msg


def test_a_fifo_inside_the_package_is_refused(anzus):
    (anzus / "votes.csv").unlink()
    os.mkfifo(anzus / "votes.csv")
    msg = one_problem(anzus)
    assert "votes.csv: table is not a regular file (a device, pipe or socket)" in msg


def test_a_folder_in_place_of_a_table(anzus):
    (anzus / "votes.csv").unlink()
    (anzus / "votes.csv").mkdir()
    assert "votes.csv: table is a folder; expected a regular file" in one_problem(anzus)


def test_the_size_cap_names_itself(anzus, monkeypatch):
    monkeypatch.setattr(kb_tables, "MAX_FILE_BYTES", 400)
    size = (anzus / "actors.csv").stat().st_size
    (anzus / "actors.csv").write_bytes((anzus / "actors.csv").read_bytes() + b"\n" * 100)
    with pytest.raises(DataPackageError) as info:
        load_package(anzus)
    msgs = [str(p) for p in info.value.problems]
    assert (
        f"{anzus / 'actors.csv'}: table is {size + 100:,} bytes; files over 400 bytes are refused"
        in msgs
    )


def test_an_unreadable_table(anzus):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    (anzus / "votes.csv").chmod(0)
    assert "votes.csv: cannot be read or written (permission denied)" in one_problem(anzus)


def test_a_too_long_path(anzus):
    set_path(anzus, "votes", "v" * 256 + ".csv")
    msg = one_problem(anzus)
    assert (
        "field 'resources.8.path': must be a relative path to a .csv file inside the package folder (at most 255 characters)"
        in msg
    )


def test_a_descriptor_nested_too_deeply(anzus):
    (anzus / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "datapackage.json: is nested too deeply to be a data package" in one_problem(anzus)


def test_a_package_path_too_long_for_the_file_system(tmp_path):
    msg = one_problem(tmp_path / ("x" * 5000))
    assert msg.endswith("/datapackage.json: is too long a path")
