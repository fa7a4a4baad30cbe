"""Mutated configuration files through SIGHUP, on the real daemon process against moto.

The daemon runs against a loopback moto server with a zae-limiter table; each round rewrites its
configuration file with a mutation of the working one (nasty values for known keys: huge and
tiny numbers, NaN and infinities, wrong types, unicode, very long strings; lines deleted,
duplicated, shuffled, cut or followed by random characters) and sends SIGHUP. After every
reload ($NOTIFY_SOCKET's READY=1 after RELOADING=1 says it is done) the process must still run;
a refused reload must have logged exactly one "reload refused" line and left the configuration
in force (read back from the status socket) unchanged; an accepted one logs no refusal. At the
end the original file is accepted again and the configuration in force is the original.

The in-process counterpart (ReloadFuzzTests.swift) sends 10,000 mutations, with environment and
--set overrides, through the same reload decision; here a few hundred go through the real
process (ZAEL_RELOAD_FUZZ_ROUNDS, default 300). `logging.level` is never mutated: the log is the
oracle, and an accepted reload that raised the level would hide the lines this test reads.
"""

from __future__ import annotations

import os
import random
import re
import signal
import struct
import time
from pathlib import Path

import pytest

from zael_harness import REPO, Daemon, Moto, NotifyRecorder, peer, wait_for

SEED = int(os.environ.get("ZAEL_TEST_SEED") or time.time())
ROUNDS = int(os.environ.get("ZAEL_RELOAD_FUZZ_ROUNDS") or 300)

NASTY = [
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
    "1e19", "-1e19", "1e308", "1e309", "-1e309", "4.9e-324", "1e-400", "nan", "+nan", "-nan", "inf",
    "+inf", "-inf", "NaN", "Infinity", "0.0", "-0.0", "0", "-1", "1_000", "0x10", "0o7", "0b1", "07",
    "1e", "1.", ".5", "1__0", "", '""', '" "', "true", "false", "True", "[]", '[""]',
    '["hourly", "hourly"]', "[1, 2]", '["a",', '"unterminated', '"\\u0000"', '"\\uD800"',
    '"\\U0010FFFF"', '"ünïcødé ☃ 😀"', '"\u202ertl"', "'literal'", '"http://user:secret@127.0.0.1:1"',
    '"[::1]:0"', '"[::1]:65536"', '":80"', "{}", "=", "# c", "3600.5", "0.1", "-0.1",
    "300.0000001", '"LATEST"', '"TRIM_HORIZON"', '"at-least-once"', "1", "2", "10000", "10001",
]


def example_keys() -> list[tuple[str, str]]:
    """(section, key) of every key the example configuration shows, set or commented out."""
    keys, section = [], None
    for line in (REPO / "config" / "zael-aggregator.toml.example").read_text().splitlines():
        header = re.match(r"^\[(\w+)\]", line)
        if header:
            section = header.group(1)
            continue
        entry = re.match(r"^#?\s*(\w+) = ", line)
        if entry and section and (section, entry.group(1)) not in keys:
            keys.append((section, entry.group(1)))
    return [k for k in keys if k != ("logging", "level")]


def nasty_value(rng: random.Random) -> str:
    pick = rng.randrange(8)
    if pick == 0:
        return '"' + "x" * rng.randint(100, 20_000) + '"'
    if pick == 1:
        return "9" * rng.randint(18, 400)
    if pick == 2:
        return repr(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
    return rng.choice(NASTY)


def random_text(rng: random.Random) -> str:
    chars = []
    for _ in range(rng.randint(1, 8)):
        code = rng.randint(0, 0x10FFFF)
        chars.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd")
    return "".join(chars)


def mutate(base: list[str], keys: list[tuple[str, str]], rng: random.Random) -> str:
    lines = list(base)
    for _ in range(rng.randint(1, 4)):
        index = rng.randrange(len(lines))
        pick = rng.randrange(10)
        if pick <= 4:
            section, key = rng.choice(keys)
            line = f"{key} = {nasty_value(rng)}"
            if f"[{section}]" not in lines:
                lines += [f"[{section}]", line]
                continue
            start = lines.index(f"[{section}]") + 1
            end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
            existing = [i for i in range(start, end) if lines[i].startswith(f"{key} =")]
            if existing:
                lines[existing[0]] = line
            else:
                lines.insert(start, line)
        elif pick == 5:
            del lines[index]
            if not lines:
                lines = [""]
        elif pick == 6:
            lines.insert(index, lines[index])
        elif pick == 7:
            shuffled = list(lines[index])
            rng.shuffle(shuffled)
            lines[index] = "".join(shuffled)
        elif pick == 8:
            lines[index] += random_text(rng)
        else:
            lines[index] = lines[index][: rng.randint(0, 20)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def moto():
    server = Moto()
    yield server
    server.stop()


def config_in_force(daemon: Daemon) -> list:
    status = wait_for(daemon.status, 10, 0.05, "the status socket")
    return status["config"]


def test_mutated_configurations_through_sighup_leave_the_daemon_running(moto, tmp_path, monkeypatch):
    started = time.monotonic()
    rng = random.Random(SEED)
    print(f"reload fuzz seed={SEED} rounds={ROUNDS}")
    table = "zl-reload"
    peer("zl_load.py", "setup", "--endpoint", moto.url, "--table", table, "--create-table")
    listener = NotifyRecorder(str(tmp_path / "notify.sock"))
    monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
    daemon = Daemon(tmp_path, moto.url, table)
    base_text = daemon.config_path.read_text()
    base = base_text.rstrip("\n").split("\n")
    keys = example_keys()
    outcomes = {"refused": 0, "accepted": 0}
    try:
        daemon.start()
        daemon.wait_ready()
        original = config_in_force(daemon)
        for round_ in range(ROUNDS):
            text = mutate(base, keys, rng)
            staged = daemon.config_path.with_suffix(".staged")
            staged.write_bytes(text.encode("utf-8"))
            os.replace(staged, daemon.config_path)
            before = config_in_force(daemon)
            offset = daemon.log_path.stat().st_size
            mark = listener.mark()
            daemon.proc.send_signal(signal.SIGHUP)
            context = f"seed={SEED} round {round_}"
            assert listener.wait_reloaded(mark, 15), f"{context}: no READY=1 after the reload\n{daemon.log_tail()}"
            assert daemon.running, f"{context}: the daemon exited ({daemon.proc.returncode})\n{daemon.log_tail()}"
            with open(daemon.log_path, "rb") as log:
                log.seek(offset)
                lines = log.read().decode(errors="replace").splitlines()
            refusals = [line for line in lines if "reload refused" in line]
            accepted = any(marker in line for line in lines
                           for marker in ("reload applied", "reload: no change", "reload: these changes need"))
            assert len(refusals) + accepted == 1, f"{context}: {lines}\nfile:\n{text[:2000]}"
            if refusals:
                outcomes["refused"] += 1
                assert config_in_force(daemon) == before, f"{context}: a refused reload changed the configuration"
            else:
                outcomes["accepted"] += 1

        daemon.config_path.write_text(base_text)
        offset = daemon.log_path.stat().st_size
        mark = listener.mark()
        daemon.proc.send_signal(signal.SIGHUP)
        assert listener.wait_reloaded(mark, 15), daemon.log_tail()
        tail = daemon.log_path.read_bytes()[offset:].decode(errors="replace")
        assert "reload refused" not in tail, tail
        assert config_in_force(daemon) == original
        assert daemon.terminate() == 0, daemon.log_tail()
    finally:
        daemon.stop()
        listener.stop()
    print(f"reload fuzz seed={SEED}: {ROUNDS} reloads, {outcomes}, {time.monotonic() - started:.1f}s")
    # Both outcomes were reached, or the test exercised only one path.
    assert outcomes["refused"] > ROUNDS // 10
    assert outcomes["accepted"] > 0
