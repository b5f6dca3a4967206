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
  local stamp
  stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${1:-base}"
  if [ ! -f "$stamp" ]; then
    echo "Installing Python packages into .venv ..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet --constraint constraints.txt --editable ".${1:+[$1]}"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
}
