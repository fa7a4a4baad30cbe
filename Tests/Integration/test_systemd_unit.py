"""The shipped systemd unit, checked by systemd itself.

- `systemd-analyze verify` of systemd/zael-aggregator@.service prints nothing (it exits 0 even on
  typos, so its output is what counts);
- `systemd-analyze security --offline=true` rates its exposure at 1.5 or better;
- in a real systemd (the project's sandbox, systemd_box.py, needs root) the shipped unit plus a drop-in
  that only moves ExecStart and the config location: a bad configuration fails the unit with exit
  status 78, no restart loop, and the journal names the bad key.

The sandbox helpers live in systemd_sandbox.py (shared with test_systemd_lifecycle.py).
"""

import re
import shutil
import time
from pathlib import Path

from systemd_sandbox import UNIT, UNIT_NAME, SystemdSandbox, binary, message_text, run, unit_tree

# ---------------------------------------------------------------------------------------------
# systemd-analyze


def analyze_root(tmp_path: Path, unit_text: str) -> Path:
    """A minimal file system root in which `systemd-analyze verify --root` can check the unit as
    shipped: the distribution's units (sysinit.target, …), /bin/kill for ExecReload, the binary at
    /usr/bin/zael-aggregator, and the unit in /etc/systemd/system."""
    root = tmp_path / "root"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "lib" / "systemd").mkdir(parents=True)
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr" / "lib" / "systemd" / "system", symlinks=True)
    (root / "lib").symlink_to("usr/lib")
    (root / "bin").symlink_to("usr/bin")
    shutil.copy2(shutil.which("kill") or "/bin/kill", root / "usr" / "bin" / "kill")
    shutil.copy2(binary(), root / "usr" / "bin" / "zael-aggregator")
    (root / "etc" / "systemd" / "system" / UNIT_NAME).write_text(unit_text)
    return root


def verify_output(tmp_path: Path, unit_text: str) -> str:
    root = analyze_root(tmp_path, unit_text)
    result = run(["systemd-analyze", "verify", f"--root={root}", "zael-aggregator@test.service"], cwd=tmp_path)
    return (result.stdout + result.stderr).strip()


def test_verify_prints_no_warnings(tmp_path):
    assert verify_output(tmp_path, UNIT.read_text()) == ""


def test_verify_setup_does_report_a_typo(tmp_path):
    # Guards the test above: the --root tree must not hide the warnings we rely on.
    broken = UNIT.read_text().replace("ProtectSystem=strict", "ProtectSystm=strict")
    assert "Unknown key 'ProtectSystm'" in verify_output(tmp_path, broken)


def exposure(unit_path: Path) -> float:
    result = run(["systemd-analyze", "security", "--offline=true", str(unit_path)], cwd=unit_path.parent)
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout + result.stderr)
    assert match, f"no exposure level in output:\n{result.stdout}\n{result.stderr}"
    return float(match.group(1))


def test_security_exposure_is_at_most_1_5(tmp_path):
    # An instance name is needed for %i; the template is analysed as instance "test".
    instance = tmp_path / "zael-aggregator@test.service"
    shutil.copy2(UNIT, instance)
    level = exposure(instance)
    assert level <= 1.5, f"exposure {level} > 1.5"


def test_security_exposure_parse_sees_a_weaker_unit(tmp_path):
    # Guards the parser: dropping the hardening must show up as a higher exposure.
    weak = "\n".join(
        line for line in UNIT.read_text().splitlines()
        if not line.startswith(("Protect", "Private", "Restrict", "SystemCall", "CapabilityBoundingSet"))
    )
    instance = tmp_path / "zael-aggregator@test.service"
    instance.write_text(weak + "\n")
    assert exposure(instance) > 1.5


def unit_settings(text: str) -> dict:
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_unit_keeps_network_and_notify_reachable():
    settings = unit_settings(UNIT.read_text())
    families = " ".join(settings["RestrictAddressFamilies"]).split()
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} <= set(families)
    assert "IPAddressDeny" not in settings  # AWS endpoints and IMDS must stay reachable
    assert settings["Type"] == ["notify"] and settings["NotifyAccess"] == ["main"]
    assert settings["RestartPreventExitStatus"] == ["78"]
    assert settings["WatchdogSec"] == ["30"]


# ---------------------------------------------------------------------------------------------
# sandbox tests

BAD_CONFIG = """\
[table]
name = "rate-limits"

[consumer]
batchsize = 5
"""

VALID_CONFIG = """\
[table]
name = "rate-limits"

[aws]
region = "us-east-1"
endpoint = "http://127.0.0.1:9"
"""


def test_bad_config_fails_with_78_and_is_not_restarted(tmp_path):
    units, binds = unit_tree(tmp_path, {"bad": BAD_CONFIG})
    with SystemdSandbox(units, binds, tmp_path) as sandbox:
        start = sandbox.systemctl("start", "zael-aggregator@bad.service")
        assert start.returncode != 0
        state = sandbox.wait_for(
            lambda: (s := sandbox.show("zael-aggregator@bad.service", "ActiveState", "ExecMainStatus", "NRestarts"))
            and s.get("ActiveState") == "failed" and s
        )
        assert state and state["ExecMainStatus"] == "78", state
        # RestartSec=10: had systemd scheduled a restart it would have happened by now.
        time.sleep(11.5)
        state = sandbox.show("zael-aggregator@bad.service", "ActiveState", "NRestarts", "Result")
        assert state["NRestarts"] == "0", state
        assert state["ActiveState"] == "failed" and state["Result"] == "exit-code", state
        entries = sandbox.journal("zael-aggregator@bad.service")
        problem = [
            e for e in entries
            if "unknown key consumer.batchsize at line 5 (did you mean batch_size?)" in message_text(e)
        ]
        assert problem, [message_text(e) for e in entries]
        assert problem[0]["PRIORITY"] == "3"  # logged as an error, not as plain stderr chatter


def test_valid_config_logs_natively_to_journald(tmp_path):
    units, binds = unit_tree(tmp_path, {"good": VALID_CONFIG})
    with SystemdSandbox(units, binds, tmp_path) as sandbox:
        # --no-block: the endpoint is dead, so a blocking start would wait out the daemon's
        # one-minute start-up retry.
        sandbox.systemctl("start", "--no-block", "zael-aggregator@good.service")

        def loaded():
            return [
                e for e in sandbox.journal("zael-aggregator@good.service")
                if message_text(e) == "configuration loaded"
            ]

        entries = sandbox.wait_for(loaded)
        assert entries, [message_text(e) for e in sandbox.journal("zael-aggregator@good.service")]
        entry = entries[0]
        # Native entries (sd_journal_sendv), not stderr lines: structured fields are present.
        assert entry["SYSLOG_IDENTIFIER"] == "zael-aggregator"
        assert entry["PRIORITY"] == "6"
        assert entry["LOGGER_LABEL"] == "zael.daemon"
        assert entry["TABLE"] == "rate-limits"
        assert entry["CONFIG"] == "/srv/zael/etc/good.toml"
        assert re.fullmatch(r".+-[0-9a-f]{6}", entry["WORKER_ID"])
        # WatchdogSec=30 reached the process ($WATCHDOG_USEC, read through sd_watchdog_enabled).
        assert entry["WATCHDOG_INTERVAL"] == "30.0 seconds"
        assert "_STREAM_ID" not in entry  # stdout/stderr lines carry _STREAM_ID; native ones do not
