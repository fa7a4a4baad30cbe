"""The project's systemd sandbox: a real systemd booted as PID 1 of private PID, mount, UTS, IPC
and cgroup namespaces, knowing only the unit files a test hands it, so that a test can start,
reload, kill and stop a service the way an operator's host would, and read its journal.

    with SystemdBox(units_dir, binds=["/host/file:/srv/x/file"]) as box:
        box.exec("systemctl", "start", "x.service")
        box.exec("journalctl", "-u", "x.service", "--no-pager")

Inside, / is this machine's file system (same binaries, same /etc, same /tmp) with private
tmpfs on /run, /var and /srv, a read-only /sys and /proc/sys, its own cgroup v2 tree, and
journald plus the shutdown units borrowed from the installed systemd package. The network is
this machine's: services inside reach servers on 127.0.0.1. `close()` (or leaving the `with`
block) powers it off, kills what is left, and removes its cgroup and scratch folder.

Needs root (no user namespaces: it mounts and makes namespaces as root), util-linux (unshare,
nsenter, setpriv, mount), the systemd package (installed; it need not be running) and a
writable cgroup v2 hierarchy: a host, a VM, or a privileged container. `preflight()` names the
first missing piece in one line.

Command line (for a person debugging a unit; the tests import the module):
    python3 systemd_box.py check                     # exit 0, or 1 with the reason on stderr
    python3 systemd_box.py run --units DIR [--bind SRC:DST]... -- COMMAND [ARG...]
        boots, runs COMMAND inside (e.g. `systemctl start x.service`), exits with its status
"""

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEMD_BINARIES = (Path("/lib/systemd/systemd"), Path("/usr/lib/systemd/systemd"))
SYSTEM_UNIT_DIRS = (Path("/lib/systemd/system"), Path("/usr/lib/systemd/system"))
TOOLS = ("unshare", "nsenter", "setpriv", "mount", "timeout")
# The installed units the box lends its systemd: the journal, and what a clean poweroff needs.
BORROWED_UNITS = (
    "systemd-journald.service", "systemd-journald.socket", "systemd-journald-dev-log.socket",
    "systemd-journald-audit.socket", "sockets.target", "shutdown.target", "final.target",
    "umount.target", "poweroff.target", "systemd-poweroff.service",
)
BOOT_TARGET = "zael-sandbox.target"
CGROUP_PREFIX = "zael-systemd-box-"
NAMESPACES = ("--pid", "--fork", "--mount", "--uts", "--ipc", "--cgroup", "--propagation", "private",
              "--mount-proc")
# Destinations a bind may create: they lie on the box's own tmpfs.
PRIVATE_TREES = ("/srv/", "/run/", "/var/")
# Each command run inside ends after this long with status 124 (coreutils `timeout`).
EXEC_TIMEOUT_SECONDS = 60
NEEDS = "run as root on a host or VM, or in a privileged container (docker run --privileged)"


class BoxError(Exception):
    """The sandbox cannot run here or did not boot; the message is one line (boot logs follow
    it on later lines when there are any)."""


def systemd_binary():
    return next((path for path in SYSTEMD_BINARIES if os.access(path, os.X_OK)), None)


def system_unit_dir():
    return next((path for path in SYSTEM_UNIT_DIRS if (path / "systemd-journald.service").exists()), None)


def cgroup2_root():
    """Where this machine mounts its cgroup v2 tree: /sys/fs/cgroup, or /sys/fs/cgroup/unified
    on a hybrid (v1 + v2) host. None if there is none."""
    try:
        mounts = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        return None
    points = {fields[1] for fields in mounts if len(fields) > 2 and fields[2] == "cgroup2"}
    return next((Path(p) for p in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified") if p in points), None)


def preflight():
    """None when a box can boot here, else one line saying what is missing and what to do."""
    if os.geteuid() != 0:
        return f"not root (uid {os.geteuid()}): the systemd sandbox mounts file systems and makes namespaces; {NEEDS}"
    for tool in TOOLS:
        if shutil.which(tool) is None:
            return f"no `{tool}` command on PATH: install util-linux and coreutils (scripts/setup does)"
    if systemd_binary() is None:
        found = " or ".join(str(p) for p in SYSTEMD_BINARIES)
        return f"no systemd binary ({found}): install the systemd package (scripts/setup does)"
    if system_unit_dir() is None:
        return "the systemd package's unit files are missing (no systemd-journald.service): reinstall systemd"
    root = cgroup2_root()
    if root is None:
        return "no cgroup v2 hierarchy mounted (at /sys/fs/cgroup or /sys/fs/cgroup/unified): systemd in the sandbox needs one"
    probe = root / f"{CGROUP_PREFIX}probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        return f"cannot create a cgroup under {root} ({error.strerror}); {NEEDS}"
    trial = subprocess.run(
        ["unshare", *NAMESPACES, "sh", "-c", "mount -t tmpfs tmpfs /run"],
        capture_output=True, text=True, timeout=30)
    if trial.returncode != 0:
        reason = (trial.stderr.strip().splitlines() or [f"exit {trial.returncode}"])[-1]
        return f"cannot make private PID and mount namespaces ({reason}); {NEEDS}"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _remove_cgroup(path: Path, wait_seconds: float = 5) -> None:
    """Removes a cgroup and its children, deepest first; a cgroup still emptying after a kill
    refuses rmdir (EBUSY) for a moment, so it is retried for up to `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while path.exists():
        for folder, _, _ in sorted(os.walk(path), key=lambda entry: -entry[0].count("/")):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        if not path.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _sweep_stale_cgroups(root: Path) -> None:
    """Removes the cgroups of boxes whose owning process is gone (a test run killed with -9)."""
    for folder in root.glob(f"{CGROUP_PREFIX}*"):
        owner = folder.name[len(CGROUP_PREFIX):].split("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            _remove_cgroup(folder, wait_seconds=0)


class SystemdBox:
    """One booted sandbox. `exec` runs a command inside; `close()` tears it all down and may be
    called more than once. Create and close it on one thread (the boot is tied to the creating
    thread's life: if the test process dies, the box dies with it)."""

    def __init__(self, units: Path, binds=(), scratch_parent=None, boot_timeout: float = 60):
        problem = preflight()
        if problem:
            raise BoxError(problem)
        self.systemd_pid = None
        self.process = None
        self.cgroup = None
        self.folder = Path(tempfile.mkdtemp(prefix="zael-systemd-box.", dir=scratch_parent))
        self.folder.chmod(0o755)
        self.boot_log = self.folder / "boot.log"
        try:
            self._lay_out_units(Path(units))
            self._boot([self._parse_bind(bind) for bind in binds])
            self._wait_until_running(boot_timeout)
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --------------------------------------------------------------------------------------
    # boot

    def _lay_out_units(self, units: Path) -> None:
        if not units.is_dir():
            raise BoxError(f"units folder {units} does not exist")
        self.units = self.folder / "units"
        shutil.copytree(units, self.units, symlinks=True)
        # sysinit and basic are stubs: the box has no early-boot services to order after.
        (self.units / "sysinit.target").write_text("[Unit]\nDescription=sandbox sysinit (empty)\n")
        (self.units / "basic.target").write_text(
            "[Unit]\nDescription=sandbox basic (empty)\nRequires=sysinit.target\nAfter=sysinit.target\n")
        (self.units / BOOT_TARGET).write_text(
            "[Unit]\nDescription=zael-aggregator test sandbox\nRequires=basic.target\nAfter=basic.target\n"
            "Wants=systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service\n")
        installed = system_unit_dir()
        for name in BORROWED_UNITS:
            if not (self.units / name).exists() and (installed / name).exists():
                (self.units / name).symlink_to(installed / name)

    @staticmethod
    def _parse_bind(bind):
        source, separator, target = str(bind).partition(":")
        if not separator or not target.startswith("/"):
            raise BoxError(f"bind {bind!r} is not SOURCE:/ABSOLUTE/TARGET")
        source_path = Path(source).resolve()
        if not source_path.exists():
            raise BoxError(f"bind source {source_path} does not exist")
        return source_path, target

    def _inner_script(self, binds) -> str:
        """What PID 1 runs inside the fresh namespaces before it becomes systemd."""
        console = self.folder / "console"
        console.touch()
        steps = [
            "mount --make-rprivate /",
            "mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run",
            "mount -t tmpfs -o mode=755 tmpfs /var",
            "mkdir -p /var/tmp /var/lib /var/log /var/cache && chmod 1777 /var/tmp",
            "ln -s /run /var/run && ln -s /run/lock /var/lock",
            "mount -t tmpfs -o mode=755 tmpfs /srv",
            # systemd treats read-only /sys and /proc/sys as a container's and leaves them alone.
            "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys",
            "mount -o remount,bind,ro /sys",
            "mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup",
            # Its console output lands in a file of the box, not on this machine's console.
            f"mount --bind {shlex.quote(str(console))} /dev/console",
            "mount --bind /dev/null /dev/kmsg",
        ]
        for source, target in binds:
            quoted = shlex.quote(target)
            if target.startswith(PRIVATE_TREES):
                if source.is_dir():
                    steps.append(f"mkdir -p {quoted}")
                else:
                    steps.append(f"mkdir -p {shlex.quote(str(Path(target).parent))} && : > {quoted}")
            steps.append(f"mount --bind {shlex.quote(str(source))} {quoted}")
        steps.append(f"exec {systemd_binary()} --system --unit={BOOT_TARGET} --log-target=journal-or-kmsg")
        return "set -e\n" + "\n".join(steps) + "\n"

    def _boot(self, binds) -> None:
        root = cgroup2_root()
        _sweep_stale_cgroups(root)
        # A cgroup of its own, entered before the namespaces are made: the box's cgroup
        # namespace is rooted there, so its systemd manages that subtree, not this machine's.
        self.cgroup = root / f"{CGROUP_PREFIX}{os.getpid()}-{self.folder.name.rsplit('.', 1)[-1]}"
        self.cgroup.mkdir()
        inner = self.folder / "inner.sh"
        inner.write_text(self._inner_script(binds))
        environment = {
            "container": "zael-sandbox",
            "SYSTEMD_UNIT_PATH": str(self.units),
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        }
        argv = [
            "sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.cgroup),
            # If this process dies, setpriv's death signal kills unshare, and --kill-child then
            # kills the box's PID 1, which ends every process inside.
            "setpriv", "--pdeathsig", "KILL",
            "unshare", *NAMESPACES, "--kill-child", "sh", str(inner),
        ]
        with open(self.boot_log, "wb") as log:
            self.process = subprocess.Popen(argv, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + 10
        while self.systemd_pid is None:
            try:
                listed = children.read_text().split()
            except OSError:
                listed = []
            if listed:
                self.systemd_pid = int(listed[0])
            elif self.process.poll() is not None or time.monotonic() > deadline:
                raise BoxError(f"the sandbox did not start (unshare exit {self.process.poll()})\n{self._log()}")
            else:
                time.sleep(0.02)

    def _wait_until_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline and self.process.poll() is None:
            state = self.exec("systemctl", "is-system-running", timeout=5).stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.05)
        raise BoxError(f"the sandbox did not boot within {timeout:g} s (state: {state or 'none'})\n{self._log()}")

    def _log(self) -> str:
        try:
            return self.boot_log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    # --------------------------------------------------------------------------------------
    # use

    def exec(self, *args, timeout: float = EXEC_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
        """Runs `args` inside the box (every namespace of its PID 1, its root and working
        folder), capturing text output; status 124 if it outlives `timeout` seconds."""
        if self.systemd_pid is None:
            raise BoxError("the sandbox is not running")
        argv = ["timeout", f"{timeout:g}", "nsenter", "--target", str(self.systemd_pid), "--all", *map(str, args)]
        return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout + 30)

    # --------------------------------------------------------------------------------------
    # teardown

    def close(self) -> None:
        """Powers the box off (SIGRTMIN+4 is systemd's poweroff request), kills its PID 1 if it
        is still there after 5 s (that ends every process inside), then removes its cgroup and
        scratch folder."""
        if self.systemd_pid is not None and self.process is not None and self.process.poll() is None:
            try:
                os.kill(self.systemd_pid, signal.SIGRTMIN + 4)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.process is not None and self.process.poll() is None:
            if self.systemd_pid is not None:
                try:
                    os.kill(self.systemd_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.systemd_pid = None
        if self.cgroup is not None:
            _remove_cgroup(self.cgroup)
            self.cgroup = None
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="systemd_box.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="say whether a sandbox can boot here (exit 0) or why not (exit 1)")
    run = commands.add_parser("run", help="boot a sandbox, run COMMAND inside it, tear it down")
    run.add_argument("--units", required=True, type=Path, help="unit files (and NAME.d/ drop-in folders)")
    run.add_argument("--bind", action="append", default=[], metavar="SRC:DST", help="bind-mount SRC at DST")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    options = parser.parse_args(argv)
    if options.command == "check":
        problem = preflight()
        if problem:
            print(problem, file=sys.stderr)
            return 1
        print("the systemd sandbox can run here")
        return 0
    command = options.cmd[1:] if options.cmd[:1] == ["--"] else options.cmd
    if not command:
        parser.error("run needs a COMMAND after --")
    try:
        with SystemdBox(options.units, options.bind) as box:
            result = box.exec(*command, timeout=600)
    except BoxError as error:
        print(f"systemd_box: {error}", file=sys.stderr)
        return 125
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
