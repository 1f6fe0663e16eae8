#!/usr/bin/env bash
# Creates /work/main/.venv (git-ignored) and installs the peer tools into it. Idempotent:
# a venv that already satisfies requirements.txt is left as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    "$python" -m venv "$venv"
fi
ver="$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$ver" != "3.11" ]; then
    echo "warning: $venv is Python $ver; the pins were chosen for 3.11" >&2
fi

# Quick check: every pinned distribution present at its pinned version -> nothing to do.
if "$venv/bin/python" - "$here/requirements.txt" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have != want:
        ok = False
sys.exit(0 if ok else 1)
PY
then
    echo "peer tools already installed in $venv"
else
    "$venv/bin/python" -m pip install --disable-pip-version-check --only-binary=:all: \
        -r "$here/requirements.txt" -c "$here/constraints.txt"
fi
"$venv/bin/python" -c 'import pulp; assert "PULP_CBC_CMD" in pulp.listSolvers(onlyAvailable=True), "PuLP has no CBC"'
echo "ok: $venv"
