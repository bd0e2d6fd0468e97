"""Write the JSON Schema of a questionnaire file (generated from the pydantic models).

    .venv/bin/python tools/framework_schema.py          # writes docs/framework.schema.json
    .venv/bin/python tools/framework_schema.py --check  # exit 1 when the committed file is stale

Editors use it to check framework files as people type (e.g. the YAML language server's
``# yaml-language-server: $schema=...`` comment). The loader checks more than a schema can say
(weights summing to 1, unique ids, an anchor for every level, the version mapping): run
``maturity frameworks validate FILE`` for those.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conversations.frameworks import framework_json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "docs" / "framework.schema.json"


def render() -> str:
    return json.dumps(framework_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not SCHEMA_FILE.is_file() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
            print(f"{SCHEMA_FILE} is stale: run python tools/framework_schema.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
