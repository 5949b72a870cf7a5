# Shared set-up for scripts/serve, scripts/test and scripts/bench: one virtual
# environment in .venv, installed from the pinned lock file. Sourced, not run.
set -euo pipefail
export NO_MKDOCS_2_WARNING=1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"

leerpad_venv() {  # usage: leerpad_venv EXTRAS (e.g. "lrs" or "lrs,test")
  local extras="$1" stamp=".venv/.installed-$1"
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  # Reinstall only when the pins changed.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip==26.3
    .venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[$extras]"
    touch "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

debian_packages() {  # installs the Debian packages given, if any is missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

authoring_bundle() {  # Pyodide and the wheels of the page "Casus schrijven" (.cache/authoring), built once
  if [ ! -d node_modules/pyodide ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  python -m leerpad.authoring.bundle >/dev/null
}
