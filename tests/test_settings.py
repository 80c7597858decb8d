"""The optional settings file (tracker.toml): database, address and token in one place, beneath
the environment and the command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tracker import settings
from tracker.errors import InputError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("TRACKER_") or k == "TRACKER_ALLOW_PRIVATE_NETWORKS"}
    return subprocess.run([sys.executable, "-P", "-m", "tracker.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**clean, "XDG_CONFIG_HOME": str(cwd / "xdg"), **env})


def test_the_file_names_the_database_under_the_environment_and_the_option(
        tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('db = "from-file.db"\n')
    assert run(tmp_path, "init").returncode == 0
    assert (tmp_path / "from-file.db").exists() and not (tmp_path / "tracker.db").exists()
    run(tmp_path, "init", TRACKER_DB="from-env.db")
    assert (tmp_path / "from-env.db").exists()  # the environment wins over the file
    run(tmp_path, "--db", "from-option.db", "init", TRACKER_DB="from-env.db")
    assert (tmp_path / "from-option.db").exists()  # and the option over both


def test_tracker_config_names_the_file_and_must_exist(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('db = "named.db"\n')
    assert run(tmp_path, "init", TRACKER_CONFIG=str(other)).returncode == 0
    assert (tmp_path / "named.db").exists()
    missing = run(tmp_path, "init", TRACKER_CONFIG=str(tmp_path / "absent.toml"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("tracker: error: TRACKER_CONFIG=")


@pytest.mark.parametrize(("text", "message"), [
    ('database = "x.db"\n', "unknown key 'database' (known: db, host, port"),
    ("port = \"8000\"\n", "port must be a whole number"),
    ("reads_need_token = 1\n", "reads_need_token must be true or false"),
    ("db = \n", "not TOML"),
])
def test_a_bad_settings_file_is_a_one_line_error(tmp_path: Path, text: str,
                                                  message: str) -> None:
    (tmp_path / "tracker.toml").write_text(text)
    result = run(tmp_path, "init")
    assert result.returncode == 1
    assert result.stderr.startswith("tracker: error: ") and message in result.stderr
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        settings.read(tmp_path / "tracker.toml")


def test_serve_takes_its_port_and_token_from_the_file(tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "tracker.toml"
    path.write_text(f'db = "served.db"\nport = {port}\napi_token = "s3cret-token"\n')
    path.chmod(0o600)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    proc = subprocess.Popen([sys.executable, "-P", "-m", "tracker.cli", "serve"], cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True,
                            env={**clean, "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == f"serving on http://127.0.0.1:{port}/"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/sources", method="POST",
            data=json.dumps({"url": "https://news.example.org/rss.xml"}).encode(),
            headers={"Authorization": "Bearer s3cret-token",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201  # the file's token opens writes
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_a_token_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text('api_token = "s3cret-token"\n')
    path.chmod(0o644)
    result = run(tmp_path, "init")
    assert result.returncode == 0
    assert "tracker: warning:" in result.stderr and "chmod 600" in result.stderr
