"""The support desk's side of the tickets database (SPEC §6, §11): schema, validated writes, import and export.

The build only ever reads the database.  Everything here writes it, through sqlite-utils, one
command per transaction, with the same row checks as ``statuspage check``; click stays in cli.py.
"""
