"""WTForms forms of the pages, one module per resource; the rules they feed live in services."""
