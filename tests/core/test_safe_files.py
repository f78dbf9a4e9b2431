"""Reading and writing user files: caps, folders, links, atomic and no-clobber writes."""

from __future__ import annotations

import os

import pytest

from phalanx.errors import UnsafePathError, UserError
from phalanx.safe_files import MARKER, read_user_bytes, read_user_text, write_output


def test_reads_a_small_file(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes(b"x,y\n")
    assert read_user_bytes(f, limit=10) == b"x,y\n"


def test_size_cap_names_itself(tmp_path):
    f = tmp_path / "big.csv"
    f.write_bytes(b"x" * 101)
    with pytest.raises(UserError, match="101 bytes; files over 100 bytes are refused"):
        read_user_bytes(f, limit=100)


def test_devices_and_folders_are_refused(tmp_path):
    with pytest.raises(UnsafePathError, match="not a regular file"):
        read_user_bytes("/dev/zero", limit=10)
    with pytest.raises(UnsafePathError, match="folder"):
        read_user_bytes(tmp_path, limit=10)


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    (pkg / "link.csv").symlink_to(secret)
    with pytest.raises(UnsafePathError, match="outside the folder"):
        read_user_bytes(pkg / "link.csv", limit=10, inside=pkg)
    with pytest.raises(UnsafePathError, match="outside the folder"):
        read_user_bytes(pkg / ".." / "secret.txt", limit=10, inside=pkg)


def test_missing_and_non_utf8(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_user_bytes(tmp_path / "nope", limit=10)
    f = tmp_path / "latin.csv"
    f.write_bytes(b"a\n\xe9\n")
    with pytest.raises(UserError) as e:
        read_user_text(f, limit=100)
    assert e.value.line == 2 and "not UTF-8" in str(e.value)


def test_write_refuses_a_file_phalanx_did_not_write(tmp_path):
    mine = tmp_path / "notes.html"
    mine.write_text("my notes")
    with pytest.raises(UnsafePathError, match="--force"):
        write_output(mine, "<html>" + MARKER.decode())
    assert mine.read_text() == "my notes"
    write_output(mine, "new " + MARKER.decode(), force=True)
    assert mine.read_text().startswith("new")
    write_output(mine, "again " + MARKER.decode())  # ours now: replaced without --force
    assert mine.read_text().startswith("again")


def test_write_replaces_a_link_not_its_target(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    link = tmp_path / "out.html"
    link.symlink_to(target)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        write_output(link, "x")
    write_output(link, "x", force=True)
    assert target.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "x"


def test_write_into_a_missing_folder_is_a_clean_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        write_output(tmp_path / "no" / "r.html", "x")
    assert not any(n.endswith(".tmp") for n in os.listdir(tmp_path))
