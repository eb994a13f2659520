"""Recreate the example site's content/tickets.db from its reviewable text form, content/tickets.sql.

Run it after editing tickets.sql:  python tools/make_example_db.py
"""

import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "content" / "tickets.sql"
DB = ROOT / "content" / "tickets.db"


def main() -> None:
    DB.unlink(missing_ok=True)
    connection = sqlite3.connect(DB)
    with connection:
        connection.executescript(SQL.read_text(encoding="utf-8"))
    connection.execute("VACUUM")
    connection.close()
    print(f"wrote {DB.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
