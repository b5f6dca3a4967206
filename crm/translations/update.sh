#!/usr/bin/env bash
# Re-extract the UI strings and merge them into the English catalog, then compile it.
# Run from the repository root after changing UI text: crm/translations/update.sh
set -euo pipefail
.venv/bin/pybabel extract -F crm/translations/babel.cfg -k _l -k lazy_gettext --no-location \
  --sort-output --project InvestAtlas -o crm/translations/messages.pot app.py crm chainmap geo templates
.venv/bin/pybabel update -i crm/translations/messages.pot -d crm/translations -l en --no-fuzzy-matching --ignore-obsolete
.venv/bin/pybabel compile -d crm/translations -l en --statistics
