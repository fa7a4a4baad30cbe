"""scripts/install and scripts/package-deb against a scratch copy of the repository layout.

The package is built with dpkg-deb for real and inspected with dpkg-deb; the binary is a
stand-in (a copy of `true`, which links only glibc) so those tests need no release build. The last
test packages the release binary, installs the package into a scratch root and runs it under a
real systemd (root, the project's sandbox in systemd_box.py) against moto.
"""

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import boto3
import pytest

from systemd_sandbox import Moto, SystemdSandbox, binary, daemon_config, peer_tool, wait_for

REPO = Path(__file__).resolve().parents[2]


def have(tool):
    return shutil.which(tool) is not None


pytestmark = pytest.mark.skipif(not have("dpkg-deb"), reason="dpkg-deb is needed (Debian hosts)")


@pytest.fixture
def tree(tmp_path):
    """A minimal repository: the two scripts plus the files they package."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for script in ("install", "package-deb"):
        shutil.copy2(REPO / "scripts" / script, root / "scripts" / script)
    (root / "systemd").mkdir()
    (root / "systemd" / "zael-aggregator@.service").write_text("[Service]\nExecStart=/usr/bin/zael-aggregator run %i\n")
    (root / "config").mkdir()
    (root / "config" / "zael-aggregator.toml.example").write_text('[table]\nname = "rate-limits"\n')
    (root / "docs").mkdir()
    for doc in ("operations.md", "iam-policy.json"):
        shutil.copy2(REPO / "docs" / doc, root / "docs" / doc)
    (root / "README.md").write_text("readme\n")
    binary = tmp_path / "zael-aggregator"
    shutil.copy2(shutil.which("true"), binary)
    return root, binary


def run(args, cwd, env=None, check=True):
    merged = dict(os.environ)
    merged.update(env or {})
    result = subprocess.run(args, cwd=cwd, env=merged, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr}")
    return result


def test_install_honours_destdir(tree, tmp_path):
    root, binary = tree
    dest = tmp_path / "dest"
    run([str(root / "scripts" / "install"), "--binary", str(binary)], cwd=root, env={"DESTDIR": str(dest)})
    installed = dest / "usr/bin/zael-aggregator"
    assert installed.read_bytes() == binary.read_bytes()
    assert stat.S_IMODE(installed.stat().st_mode) == 0o755
    unit = dest / "lib/systemd/system/zael-aggregator@.service"
    assert unit.read_text().startswith("[Service]")
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert (dest / "etc/zael-aggregator").is_dir()
    docs = sorted(p.name for p in (dest / "usr/share/doc/zael-aggregator").iterdir())
    assert docs == ["README.md", "iam-policy.json", "operations.md", "zael-aggregator.toml.example"]


def test_package_has_layout_control_and_computed_depends(tree, tmp_path):
    root, binary = tree
    (root / "VERSION").write_text("1.2.3\n")
    out = tmp_path / "out"
    result = run([str(root / "scripts" / "package-deb"), "--binary", str(binary), "--output", str(out)], cwd=root)
    deb = Path(result.stdout.strip().splitlines()[-1])
    assert deb.name == f"zael-aggregator_1.2.3_{run(['dpkg', '--print-architecture'], cwd=root).stdout.strip()}.deb"

    fields = {
        name: run(["dpkg-deb", "-f", str(deb), name], cwd=root).stdout.strip()
        for name in ("Package", "Version", "Depends", "Architecture", "Maintainer", "Description")
    }
    assert fields["Package"] == "zael-aggregator"
    assert fields["Version"] == "1.2.3"
    assert fields["Maintainer"]
    if have("dpkg-shlibdeps"):
        # `true` needs only glibc: the list is computed from the binary, not a fixed one.
        assert fields["Depends"].startswith("libc6")
        assert "libcurl" not in fields["Depends"]

    listing = run(["dpkg-deb", "-c", str(deb)], cwd=root).stdout.splitlines()
    entries = {line.split()[-1]: line.split() for line in listing}
    for path in (
        "./usr/bin/zael-aggregator",
        "./lib/systemd/system/zael-aggregator@.service",
        "./etc/zael-aggregator/",
        "./usr/share/doc/zael-aggregator/zael-aggregator.toml.example",
        "./usr/share/doc/zael-aggregator/operations.md",
        "./usr/share/doc/zael-aggregator/iam-policy.json",
    ):
        assert path in entries, f"{path} missing from {sorted(entries)}"
    assert entries["./usr/bin/zael-aggregator"][0] == "-rwxr-xr-x"
    assert entries["./usr/bin/zael-aggregator"][1] == "root/root"
    assert entries["./"][0] == "drwxr-xr-x"

    control = tmp_path / "control"
    run(["dpkg-deb", "-e", str(deb), str(control)], cwd=root)
    assert "daemon-reload" in (control / "postinst").read_text()
    assert "zael-aggregator@*.service" in (control / "prerm").read_text()


def test_version_comes_from_the_binary_without_a_version_file(tree, tmp_path):
    root, _ = tree
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'zael-aggregator 0.9.0-rc1'\n")
    fake.chmod(0o755)
    out = tmp_path / "out"
    # A shell script cannot be stripped; the real binary is.
    args = [str(root / "scripts" / "package-deb"), "--binary", str(fake), "--output", str(out), "--no-strip"]
    result = run(args, cwd=root)
    deb = Path(result.stdout.strip().splitlines()[-1])
    assert run(["dpkg-deb", "-f", str(deb), "Version"], cwd=root).stdout.strip() == "0.9.0-rc1"


def test_refuses_without_a_version_or_without_the_unit(tree, tmp_path):
    root, binary = tree
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\necho zael-aggregator\n")  # no version in its --version output
    silent.chmod(0o755)
    args = [str(root / "scripts" / "package-deb"), "--binary", str(silent), "--output", str(tmp_path), "--no-strip"]
    no_version = run(args, cwd=root, check=False)
    assert no_version.returncode != 0
    assert "version" in no_version.stderr

    (root / "systemd" / "zael-aggregator@.service").unlink()
    args = [str(root / "scripts" / "package-deb"), "--binary", str(binary), "--version", "1.0", "--output", str(tmp_path)]
    no_unit = run(args, cwd=root, check=False)
    assert no_unit.returncode != 0
    assert "zael-aggregator@.service" in no_unit.stderr
    assert run(args + ["--allow-incomplete"], cwd=root).returncode == 0


# ---------------------------------------------------------------------------------------------
# The package, installed and run for real: `dpkg -x` into a scratch root, then systemd (the project's
# sandbox, systemd_box.py, needs root) with the packaged unit, unchanged, and the packaged binary.


def test_installed_package_enables_and_runs_against_moto(tmp_path):
    out = tmp_path / "out"
    result = run([str(REPO / "scripts" / "package-deb"), "--binary", str(binary()), "--version", "0.0.0~test",
                  "--output", str(out)], cwd=REPO)
    deb = Path(result.stdout.strip().splitlines()[-1])
    root = tmp_path / "root"
    run(["dpkg", "-x", str(deb), str(root)], cwd=tmp_path)
    unit_dir = root / "lib" / "systemd" / "system"
    assert (unit_dir / "zael-aggregator@.service").read_text() == (REPO / "systemd" / "zael-aggregator@.service").read_text()

    moto = Moto()
    try:
        peer_tool("zl_traffic.py", "--endpoint", moto.url, "--table", "zl-demo", "--out", str(tmp_path / "recs.json"),
                  "--rounds", "1")
        records = json.loads((tmp_path / "recs.json").read_text())["Records"]
        config = tmp_path / "demo.toml"
        config.write_text(daemon_config(moto.url, "zl-demo"))
        config.chmod(0o644)
        with SystemdSandbox(unit_dir, [f"{config}:/srv/demo.toml"], tmp_path) as box:
            # "Install" the package's files in the sandbox's view only: overlays put the scratch
            # root's /usr/bin and /etc over the host's (writable /etc in the sandbox's tmpfs),
            # then the prepared config goes where the package says.
            install = box.exec("sh", "-ec", f"""
                mkdir -p /srv/etc-up /srv/etc-work
                cp -a {root}/etc/. /srv/etc-up/
                mount -t overlay overlay -o lowerdir=/etc,upperdir=/srv/etc-up,workdir=/srv/etc-work /etc
                mount -t overlay overlay -o lowerdir={root}/usr/bin:/usr/bin /usr/bin
                cp /srv/demo.toml /etc/zael-aggregator/demo.toml""")
            assert install.returncode == 0, install.stderr
            enable = box.systemctl("enable", "--now", "zael-aggregator@demo")
            assert enable.returncode == 0, enable.stderr
            assert "multi-user.target.wants/zael-aggregator@demo.service" in enable.stderr + enable.stdout
            unit = "zael-aggregator@demo.service"
            state = box.show(unit, "ActiveState", "SubState", "ExecMainPID", "FragmentPath")
            assert (state["ActiveState"], state["SubState"]) == ("active", "running"), state
            command = box.exec("cat", f"/proc/{state['ExecMainPID']}/cmdline").stdout.split("\0")
            assert command[:4] == ["/usr/bin/zael-aggregator", "run", "--config", "/etc/zael-aggregator/demo.toml"]

            leases = boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1",
                                  aws_access_key_id="testing", aws_secret_access_key="testing")

            def checkpoints():
                items = leases.scan(TableName="zl-demo-zael-leases", ConsistentRead=True)["Items"]
                return [item.get("checkpoint", {}).get("S", "") for item in items if "laneOf" not in item and "heartbeatOf" not in item]

            # Every traffic record checkpointed (the daemon's own snapshot writes add later ones).
            last = int(records[-1]["dynamodb"]["SequenceNumber"])
            assert wait_for(lambda: [c.isdigit() and int(c) >= last for c in checkpoints()] == [True], timeout=60), \
                checkpoints()
            assert box.systemctl("stop", unit).returncode == 0
            assert box.show(unit, "Result")["Result"] == "success"
    finally:
        moto.stop()
