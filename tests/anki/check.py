"""Checks notedeck's output with Anki's own library (the `anki` package).

The Rust integration tests (tests/roundtrip/) call this script and read
the JSON it prints on stdout. Each command opens (or creates) the collection
file COL, does one thing, prints one JSON object and closes the collection.

    check.py probe                       exit 0 when `anki` imports
    check.py import-apkg COL PKG...      import packages (default options)
    check.py import-csv COL CSV...       import CSV files, metadata as Anki reads it
    check.py dump COL                    every note: guid, fields, decks, tags, reps,
                                         mod, whether suspended; the collection's mod
    check.py review COL GUID             answer the note's card "Good" once
    check.py add-tags COL GUID TAG...    tag the note, as a learner does in Anki
    check.py render COL GUID             the card's question and answer HTML, the
                                         sounds the answer plays, media dir
    check.py cards COL GUID              the note's type and each of its cards: ord,
                                         question and answer HTML
    check.py keep-notetype-only COL PKG  import PKG, then delete its notes (the
                                         collection keeps the notedeck note type)
    check.py schema PKG                  the package's entries and collection version
    check.py find COL QUERY              the GUIDs of the notes an Anki search finds
    check.py history COL                 every note by its Key field: its type, tags, and
                                         each card's schedule and review log, by ord
"""

import json
import os
import sqlite3
import sys
import tempfile
import zipfile


def out(value):
    json.dump(value, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def open_col(path):
    from anki.collection import Collection

    return Collection(path)


def log_json(log):
    """Counts of each kind of result."""
    kinds = [
        "new",
        "updated",
        "duplicate",
        "conflicting",
        "first_field_match",
        "missing_notetype",
        "missing_deck",
        "empty_first_field",
    ]
    return {kind: len(getattr(log, kind)) for kind in kinds}


def import_apkg(col_path, packages):
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = open_col(col_path)
    try:
        logs = []
        for package in packages:
            request = ImportAnkiPackageRequest(
                package_path=os.path.abspath(package),
                # Anki's defaults: update notes and note types "if newer".
                options=ImportAnkiPackageOptions(with_scheduling=False),
            )
            logs.append(log_json(col.import_anki_package(request).log))
        out({"logs": logs})
    finally:
        col.close()


def import_csv(col_path, files):
    from anki.import_export_pb2 import ImportCsvRequest

    col = open_col(col_path)
    try:
        logs = []
        for path in files:
            metadata = col.get_csv_metadata(path=os.path.abspath(path), delimiter=None)
            response = col.import_csv(
                ImportCsvRequest(path=os.path.abspath(path), metadata=metadata)
            )
            logs.append(log_json(response.log))
        out({"logs": logs})
    finally:
        col.close()


def dump(col_path):
    col = open_col(col_path)
    try:
        notes = []
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            cards = note.cards()
            notes.append(
                {
                    "guid": note.guid,
                    "notetype": note.note_type()["name"],
                    "fields": dict(note.items()),
                    "tags": sorted(note.tags),
                    "decks": sorted({col.decks.name(c.did) for c in cards}),
                    "reps": sum(c.reps for c in cards),
                    "card_ids": [c.id for c in cards],
                    "mod": note.mod,
                    "card_mods": [c.mod for c in cards],
                    "suspended": all(c.queue == -1 for c in cards),
                }
            )
        out({"notes": notes, "mod": col.db.scalar("select mod from col")})
    finally:
        col.close()


def note_by_guid(col, guid):
    ids = col.db.list("select id from notes where guid = ?", guid)
    if not ids:
        raise SystemExit(f"no note with guid {guid}")
    return col.get_note(ids[0])


def review(col_path, guid):
    col = open_col(col_path)
    try:
        card = note_by_guid(col, guid).cards()[0]
        card.start_timer()
        col.sched.answerCard(card, 3)
        card.load()
        out({"card_id": card.id, "reps": card.reps})
    finally:
        col.close()


def add_tags(col_path, guid, tags):
    col = open_col(col_path)
    try:
        note = note_by_guid(col, guid)
        for tag in tags:
            note.add_tag(tag)
        col.update_note(note)
        out({"tags": note.tags})
    finally:
        col.close()


def render(col_path, guid):
    col = open_col(col_path)
    try:
        card = note_by_guid(col, guid).cards()[0]
        out(
            {
                "question": card.question(),
                "answer": card.answer(),
                # Anki takes [sound:…] out of the HTML into these.
                "answer_sounds": [tag.filename for tag in card.answer_av_tags()],
                "media_dir": col.media.dir(),
            }
        )
    finally:
        col.close()


def cards(col_path, guid):
    col = open_col(col_path)
    try:
        note = note_by_guid(col, guid)
        out(
            {
                "notetype": note.note_type()["name"],
                "cards": [
                    {"ord": c.ord, "question": c.question(), "answer": c.answer()}
                    for c in sorted(note.cards(), key=lambda c: c.ord)
                ],
            }
        )
    finally:
        col.close()


def keep_notetype_only(col_path, package):
    import_apkg_quiet(col_path, package)
    col = open_col(col_path)
    try:
        col.remove_notes(col.find_notes(""))
        names = [nt.name for nt in col.models.all_names_and_ids()]
        out({"notetypes": names, "notes": len(col.find_notes(""))})
    finally:
        col.close()


def import_apkg_quiet(col_path, package):
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = open_col(col_path)
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=os.path.abspath(package), options=ImportAnkiPackageOptions()
            )
        )
    finally:
        col.close()


def find(col_path, query):
    col = open_col(col_path)
    try:
        guids = sorted(col.get_note(nid).guid for nid in col.find_notes(query))
        out({"guids": guids})
    finally:
        col.close()


def history(col_path):
    col = open_col(col_path)
    try:
        columns = ["id", "ease", "ivl", "lastIvl", "factor", "time", "type"]
        notes = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            cards = []
            for c in sorted(note.cards(), key=lambda c: c.ord):
                rows = col.db.all(
                    f"select {', '.join(columns)} from revlog where cid = ? order by id", c.id
                )
                cards.append(
                    {
                        "ord": c.ord,
                        "type": c.type,
                        "queue": c.queue,
                        "due": c.due,
                        "ivl": c.ivl,
                        "factor": c.factor,
                        "reps": c.reps,
                        "lapses": c.lapses,
                        "left": c.left,
                        "reviews": [dict(zip(columns, row)) for row in rows],
                    }
                )
            key = note["Key"] if "Key" in note else str(nid)
            notes.setdefault(key, []).append(
                {"notetype": note.note_type()["name"], "tags": sorted(note.tags), "cards": cards}
            )
        out({"notes": notes})
    finally:
        col.close()


def schema(package):
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        with tempfile.TemporaryDirectory() as tmp:
            z.extract("collection.anki2", tmp)
            db = sqlite3.connect(os.path.join(tmp, "collection.anki2"))
            ver = db.execute("select ver from col").fetchone()[0]
            tables = sorted(r[0] for r in db.execute("select name from sqlite_master where type='table'"))
            db.close()
        media = json.loads(z.read("media"))
        # testzip() reads every entry whole and names the first whose CRC-32
        # is wrong.
        crc_ok = z.testzip() is None
    out({"entries": names, "ver": ver, "tables": tables, "media": media, "crc_ok": crc_ok})


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    command, args = argv[0], argv[1:]
    if command == "probe":
        import anki.collection  # noqa: F401

        from anki.buildinfo import version

        out({"anki": version})
    elif command == "import-apkg":
        import_apkg(args[0], args[1:])
    elif command == "import-csv":
        import_csv(args[0], args[1:])
    elif command == "dump":
        dump(args[0])
    elif command == "review":
        review(args[0], args[1])
    elif command == "add-tags":
        add_tags(args[0], args[1], args[2:])
    elif command == "render":
        render(args[0], args[1])
    elif command == "cards":
        cards(args[0], args[1])
    elif command == "keep-notetype-only":
        keep_notetype_only(args[0], args[1])
    elif command == "find":
        find(args[0], args[1])
    elif command == "history":
        history(args[0])
    elif command == "schema":
        schema(args[0])
    else:
        raise SystemExit(f"unknown command {command}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
