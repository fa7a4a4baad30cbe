"""The project's systemd sandbox (systemd_box.py) and scripts/test's check in front of it.

- the preflight names what is missing in one line: not root, no systemd binary (hidden here by a
  tmpfs over its folder), no namespaces (CAP_SYS_ADMIN dropped); scripts/test stops with that line
  and status 2: before setup when not root, after setup and before any build otherwise;
- a box boots systemd with only the given units (plus journald and the shutdown units), binds
  files into its private /srv, runs and journals a service, and leaves nothing behind on close:
  no process, no cgroup, no scratch folder;
- a box dies with the process that made it (kill -9), and the next box removes the stale cgroup.

Needs root, as the sandbox does; these run in seconds.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import systemd_box
from systemd_box import SystemdBox

REPO = Path(__file__).resolve().parents[2]
BOX_MODULE = Path(systemd_box.__file__)
# A Python that any user can run (the venv's may sit in a folder only root can enter).
PLAIN_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
WITHOUT_SYS_ADMIN = ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"]


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=kwargs.pop("timeout", 60), **kwargs)


def alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (dead, not yet reaped by its new parent) does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture
def open_folder():
    """A scratch folder every user can enter (pytest's tmp_path is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="zael-box-test."))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def fake_repository(folder: Path) -> Path:
    """scripts/test and systemd_box.py as they are, with a stand-in scripts/setup and `swift`
    that only leave a mark, so a test sees how far scripts/test got."""
    repo = folder / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "Tests" / "Integration").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "test", repo / "scripts" / "test")
    shutil.copy2(BOX_MODULE, repo / "Tests" / "Integration" / "systemd_box.py")
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    stand_ins = ((repo / "scripts" / "setup", "setup-ran", 0), (bin_dir / "swift", "build-ran", 3))
    for script, mark, status in stand_ins:
        script.write_text(f"#!/bin/sh\ntouch '{folder / mark}'\nexit {status}\n")
        script.chmod(0o755)
    for path in (folder, repo, repo / "scripts", repo / "Tests", repo / "Tests" / "Integration"):
        path.chmod(0o755)
    return repo


def scripts_test_environment(folder: Path) -> dict:
    return dict(os.environ, PATH=f"{folder / 'bin'}:{os.environ['PATH']}", ZAEL_VENV=sys.prefix)


# ---------------------------------------------------------------------------------------------
# preflight


def test_the_check_passes_here():
    result = run([sys.executable, str(BOX_MODULE), "check"])
    assert result.returncode == 0, result.stderr
    assert systemd_box.preflight() is None


def test_the_check_names_a_user_who_is_not_root(open_folder):
    module = open_folder / "systemd_box.py"
    shutil.copy2(BOX_MODULE, module)
    module.chmod(0o644)
    result = run([*AS_NOBODY, PLAIN_PYTHON, str(module), "check"])
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("not root (uid 65534)"), result.stderr


def test_the_check_names_a_missing_systemd_binary():
    # A private mount namespace where systemd's folders are empty tmpfs: the binary is truly absent.
    hide = "mount -t tmpfs tmpfs /usr/lib/systemd; [ -L /lib ] || mount -t tmpfs tmpfs /lib/systemd; exec \"$@\""
    result = run(["unshare", "--mount", "sh", "-c", hide, "sh", sys.executable, str(BOX_MODULE), "check"])
    assert result.returncode == 1
    assert result.stderr.strip().startswith("no systemd binary"), result.stderr
    assert "install the systemd package" in result.stderr


def test_the_check_names_missing_namespaces():
    result = run([*WITHOUT_SYS_ADMIN, sys.executable, str(BOX_MODULE), "check"])
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("cannot make private PID and mount namespaces ("), result.stderr
    assert "privileged container" in result.stderr


def test_scripts_test_stops_before_setup_when_not_root(open_folder):
    repo = fake_repository(open_folder)
    result = run([*AS_NOBODY, str(repo / "scripts" / "test")], env=scripts_test_environment(open_folder))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("scripts/test: cannot run: not root (uid 65534)"), result.stderr
    assert not (open_folder / "setup-ran").exists()


def test_scripts_test_stops_after_setup_and_before_building_without_namespaces(open_folder):
    repo = fake_repository(open_folder)
    result = run([*WITHOUT_SYS_ADMIN, str(repo / "scripts" / "test")], env=scripts_test_environment(open_folder))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(
        "scripts/test: cannot run the systemd tests: cannot make private PID and mount namespaces"), result.stderr
    assert (open_folder / "setup-ran").exists()
    assert not (open_folder / "build-ran").exists()


def test_scripts_test_with_arguments_runs_swift_test_alone_without_the_check(open_folder):
    # `scripts/test --filter X` runs only `swift test`: no root or sandbox needed, so no check.
    repo = fake_repository(open_folder)
    result = run([*WITHOUT_SYS_ADMIN, str(repo / "scripts" / "test"), "--filter", "Nothing"],
                 env=scripts_test_environment(open_folder))
    assert "cannot run" not in result.stderr
    assert (open_folder / "build-ran").exists()
    assert result.returncode == 1 and "FAILED: swift build" in result.stderr


# ---------------------------------------------------------------------------------------------
# the box


def write_units(folder: Path) -> Path:
    units = folder / "units"
    units.mkdir()
    (units / "probe.service").write_text(textwrap.dedent("""\
        [Service]
        ExecStart=/bin/sh -c 'cat /srv/probe/input; exec sleep 300'
        """))
    return units


def test_a_box_runs_only_the_given_units_binds_files_and_leaves_nothing_behind(tmp_path):
    units = write_units(tmp_path)
    token = f"probe-{os.getpid()}-{time.monotonic_ns()}"
    (tmp_path / "input").write_text(token + "\n")
    box = SystemdBox(units, [f"{tmp_path / 'input'}:/srv/probe/input"])
    try:
        systemd_pid, cgroup, folder = box.systemd_pid, box.cgroup, box.folder
        assert box.exec("cat", "/proc/1/comm").stdout.strip() == "systemd"
        assert box.exec("systemctl", "is-system-running").stdout.strip() in ("running", "degraded")
        files = box.exec("systemctl", "list-unit-files", "--no-legend", "--type=service").stdout.split()
        services = sorted(name for name in files if name.endswith(".service"))
        assert services == ["probe.service", "systemd-journald.service", "systemd-poweroff.service"], services
        assert box.exec("systemctl", "start", "probe.service").returncode == 0
        main_pid = int(box.exec("systemctl", "show", "-P", "MainPID", "probe.service").stdout)
        assert main_pid > 0
        journal = lambda: box.exec("journalctl", "-u", "probe.service", "--no-pager", "-o", "cat").stdout
        seen = ""
        deadline = time.monotonic() + 15
        while token not in seen and time.monotonic() < deadline:
            seen = journal()
            time.sleep(0.1)
        assert token in seen, seen
        # The service's sleep, as this machine numbers it: a child of the box's systemd.
        host_sleeps = [int(pid) for pid in (cgroup / "system.slice" / "probe.service" / "cgroup.procs").read_text().split()]
        assert len(host_sleeps) == 1
        # Nothing of the box leaks into this machine's /srv.
        assert not Path("/srv/probe").exists()
    finally:
        box.close()
    assert not alive(systemd_pid)
    assert not alive(host_sleeps[0])
    assert not cgroup.exists()
    assert not folder.exists()
    box.close()  # a second close is harmless


def test_a_box_dies_with_its_owner_and_the_next_box_sweeps_its_cgroup(tmp_path):
    units = write_units(tmp_path)
    (tmp_path / "input").write_text("owner test\n")
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""\
            import sys, time
            sys.path.insert(0, {str(BOX_MODULE.parent)!r})
            from systemd_box import SystemdBox
            box = SystemdBox({str(units)!r}, [{str(tmp_path / 'input') + ':/srv/probe/input'!r}],
                             scratch_parent={str(tmp_path)!r})
            print(box.systemd_pid, box.cgroup, flush=True)
            time.sleep(300)
            """)],
        stdout=subprocess.PIPE, text=True)
    try:
        line = owner.stdout.readline().split()
        assert len(line) == 2, line
        systemd_pid, cgroup = int(line[0]), Path(line[1])
        assert alive(systemd_pid)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
    deadline = time.monotonic() + 10
    while alive(systemd_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(systemd_pid)
    with SystemdBox(units, [f"{tmp_path / 'input'}:/srv/probe/input"]):
        assert not cgroup.exists()
