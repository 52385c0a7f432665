"""Running the tessera binary and classifying what it says.

The binary is `$TESSERA_BIN`. Every call runs with HDF5 filter plugins off (the
default the user gets): `HDF5_PLUGIN_PATH` and `TESSERA_HDF5_PLUGINS` are removed from
its environment, since importing netCDF4 in this process sets the former.
"""

import json
import os
import subprocess
from dataclasses import dataclass

# Outcomes of one array x check.
OK = "ok"
MISMATCH = "mismatch"
REFUSED = "refused-one-line"
REFUSED_BADLY = "refused-badly"
REFERENCE_CANNOT_READ = "reference-cannot-read"
OUTCOMES = (OK, MISMATCH, REFUSED, REFUSED_BADLY, REFERENCE_CANNOT_READ)
# The outcomes that fail the acceptance test.
FAILURES = (MISMATCH, REFUSED_BADLY)

TIMEOUT_S = 120


def binary():
    path = os.environ.get("TESSERA_BIN")
    if not path:
        raise SystemExit("set TESSERA_BIN to the tessera binary")
    return path


def _environment():
    env = dict(os.environ)
    env.pop("HDF5_PLUGIN_PATH", None)
    env.pop("TESSERA_HDF5_PLUGINS", None)
    return env


@dataclass
class Run:
    """One finished tessera command."""

    args: list
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self):
        return self.rc == 0

    def notes(self):
        """The `tessera: note: ...` lines on stderr."""
        return [l for l in self.stderr.splitlines() if l.startswith("tessera: note:")]

    def refusal(self, names):
        """Classifies a failed run: (outcome, one-line reason).

        A proper refusal exits with code 2 and prints exactly one `tessera: error:` line
        (notes aside) that names the input: one of `names` (file or store names) must
        occur in it. Anything else (a panic, a signal, several lines, no name, a hang)
        is refused-badly.
        """
        lines = [l for l in self.stderr.splitlines() if l.strip() and not l.startswith("tessera: note:")]
        first = lines[0] if lines else "(nothing on stderr)"
        if self.rc == -999:
            return REFUSED_BADLY, f"hung: no answer within {TIMEOUT_S} s"
        if self.rc != 2:
            return REFUSED_BADLY, f"exit code {self.rc}: {short(' | '.join(lines[:3]))}"
        if len(lines) != 1:
            return REFUSED_BADLY, f"{len(lines)} lines on stderr: {short(' | '.join(lines[:3]))}"
        if not first.startswith("tessera: error: "):
            return REFUSED_BADLY, f"not a 'tessera: error:' line: {short(first)}"
        if not any(n and n in first for n in names):
            return REFUSED_BADLY, f"does not name {names[0]}: {short(first)}"
        return REFUSED, short(first[len("tessera: error: "):])


def short(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run(args, cwd=None):
    """Runs `tessera ARGS`, never raising."""
    full = [binary()] + [str(a) for a in args]
    try:
        done = subprocess.run(
            full, cwd=cwd, env=_environment(), capture_output=True, text=True,
            errors="replace", timeout=TIMEOUT_S,
        )
        return Run(full, done.returncode, done.stdout, done.stderr)
    except subprocess.TimeoutExpired as e:
        return Run(full, -999, "", str(e))


def convert(src, dst, *options):
    return run(["convert", src, dst, "--quiet", *options])


def info(path):
    """`tessera info PATH --json` as {array name: entry}, or None when refused."""
    done = run(["info", path, "--json"])
    if not done.ok:
        return None
    try:
        listing = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None
    return {a.get("name", ""): a for a in listing.get("arrays", [])}
