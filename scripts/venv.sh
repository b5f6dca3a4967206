# Shared by scripts/serve and scripts/test: a local virtual environment in .venv, installed
# from constraints.txt, and reinstalled only when pyproject.toml or constraints.txt change.

require_python() {
  PYTHON=${PYTHON:-python3}
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "InvestAtlas needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
    exit 1
  fi
}

ensure_venv() {  # ensure_venv EXTRAS, e.g. ensure_venv "dev,postgres"
  require_python
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local version stamp
  version=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
  stamp=".venv/.installed-$version-${1:-base}"
  # The full set (the test command's) also serves the server, so no reinstall, no network.
  if [ -f "$stamp" ] || [ -f ".venv/.installed-$version-dev,postgres" ]; then
    return 0
  fi
  echo "Installing Python packages into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --constraint constraints.txt --editable ".${1:+[$1]}"
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$version-*" -delete
  touch "$stamp"
}
