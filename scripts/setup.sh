#!/usr/bin/env bash
# Idempotent set-up: Debian packages, the .venv and the pinned Python stack.
# A stamp keyed on the hash of the pin files makes a second run take a fraction of a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
pins_hash=$(cat scripts/apt-packages.txt constraints.txt pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
stamp="$VENV/.avdub-setup-$pins_hash"
if [ -f "$stamp" ]; then
  exit 0
fi

# 1. Debian packages (as root, or through sudo), only those missing.
mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The virtual environment; torch first, so that nothing resolves a CUDA build.
if [ ! -x "$VENV/bin/python" ]; then
  command -v "$PYTHON" >/dev/null || PYTHON=python3
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip >/dev/null
torch_pin=$(grep -E '^torch==' constraints.txt)
"${PIP[@]}" install "$torch_pin"
"${PIP[@]}" install -c constraints.txt -e ".[dev]"

# 3. Known traps (see the README's design notes):
# PyPI's torchaudio is a CUDA build whose C extensions cannot load beside CPU torch;
# without them it falls back to pure Python, which is all Coqui TTS needs.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -f "$site/torchaudio/lib/_torchaudio.abi3.so" "$site/torchaudio/lib/libtorchaudio.abi3.so"
# Resemblyzer pulls the obsolete `typing` backport; Python 3.11's own typing shadows it anyway,
# and PyInstaller refuses to build the studio bundle while it is installed.
"${PIP[@]}" uninstall -y typing >/dev/null 2>&1 || true

rm -f "$VENV"/.avdub-setup-*
touch "$stamp"
echo "setup: done"
