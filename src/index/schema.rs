//! The index's tables, and bringing an older index up to this version.

use anyhow::bail;

/// Bump when the tables change. (A change of extraction alone bumps
/// `extract::RULES_VERSION`: the cards are made again, the tables kept.)
pub const SCHEMA_VERSION: i64 = 6;

const SCHEMA: &str = "
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    -- The card's identity in Anki, kept through renames and moves
    -- (`identity::pairing`). NULL only inside a build, for a card that
    -- appeared and is not yet paired or given one.
    guid TEXT UNIQUE,
    -- The GUID extraction derives from deck, context and front: how a card
    -- is found again when none of those changed.
    key TEXT NOT NULL UNIQUE,
    deck TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    note_type TEXT NOT NULL, -- `card::NoteType`
    front TEXT NOT NULL,
    -- The folded front, so that a query equal to it can rank first.
    front_key TEXT NOT NULL,
    back TEXT NOT NULL,
    back_html TEXT NOT NULL,
    context TEXT NOT NULL, -- JSON array
    tags TEXT NOT NULL,    -- JSON array
    hash BLOB NOT NULL,    -- of what Anki shows: a change makes `changed` now
    changed INTEGER NOT NULL,
    seen INTEGER NOT NULL  -- the last build that extracted it
);
CREATE INDEX cards_by_file ON cards (file);
CREATE INDEX cards_by_front ON cards (front_key);
CREATE INDEX cards_by_deck ON cards (deck);
-- Tokens come from `japanese::tokens`, space-separated: the `ascii` tokenizer
-- only splits them at the spaces. Contentless: the text is in `cards`.
CREATE VIRTUAL TABLE cards_fts USING fts5 (
    front, context, back,
    content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '1'
);
-- A larger buffer of pending tokens makes fewer, larger segments to merge
-- while a build inserts (the default is 1 MB).
INSERT INTO cards_fts (cards_fts, rank) VALUES ('hashsize', 33554432);
-- The fronts again, on their own: search ranks front matches first, and
-- their doclists are short, so the top cards of a common word are found
-- without scoring every card that mentions it (`search::search`). Row ids
-- are `front_rowid`s: in rowid order the shortest fronts come first.
CREATE VIRTUAL TABLE fronts_fts USING fts5 (
    front,
    content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '1'
);
INSERT INTO fronts_fts (fronts_fts, rank) VALUES ('hashsize', 33554432);
CREATE TABLE builds (id INTEGER PRIMARY KEY);
-- Cards removed from the notes whose Anki notes the user has not yet said
-- are dealt with (`notedeck removed`). A card that comes back leaves it.
CREATE TABLE removed (
    guid TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    deck TEXT NOT NULL,
    front TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    removed INTEGER NOT NULL
);
CREATE INDEX removed_by_key ON removed (key);
-- The output files builds made, relative to the output folder. `pending`
-- while a committed build has not yet renamed it into place: the next
-- build writes it again.
CREATE TABLE outputs (
    name TEXT PRIMARY KEY,
    pending INTEGER NOT NULL
);
-- What the last `sync` left in Anki, a card a row: its note id there, a
-- hash of the fields and tags sent, the deck its cards were put in, and
-- the tags notedeck set (JSON; NULL: not known), the only ones a sync
-- removes.
CREATE TABLE anki_notes (
    guid TEXT PRIMARY KEY,
    nid INTEGER NOT NULL,
    hash BLOB NOT NULL,
    deck TEXT NOT NULL,
    tags TEXT,
    -- A hash of the fields alone as sent (NULL: not known): a note whose
    -- fields in Anki differ from it was edited there.
    fields BLOB
);
-- Media files Anki has from a sync (names are content hashes).
CREATE TABLE anki_media (
    name TEXT PRIMARY KEY
);
-- Facts about the index as a whole: the notes folder it was built from,
-- the extraction rules its cards were made with.
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// The tables of `SCHEMA`: an index of this version without one of them
/// is damaged.
pub const TABLES: [&str; 8] = [
    "files",
    "cards",
    "cards_fts",
    "fronts_fts",
    "builds",
    "removed",
    "outputs",
    "meta",
];

/// The full-text tables, whose damage no plain query shows.
pub const FTS_TABLES: [&str; 2] = ["cards_fts", "fronts_fts"];

/// Per build, inside its transaction: the cards that appeared (a key new to
/// the index) and vanished (not extracted again from a file read again),
/// paired at the end of the build; and the fronts to add to `fronts_fts`, in
/// rowid order at commit (FTS5 flushes its pending tokens into a new segment
/// whenever a row id is lower than the last one, which unordered
/// `front_rowid`s would make nearly every other insert). And the GUIDs
/// whose Anki note this build may have changed (written, paired, removed):
/// what a package kept from the last build is updated with.
pub const BUILD_TABLES: &str = "
CREATE TEMP TABLE IF NOT EXISTS new_fronts (rowid INTEGER PRIMARY KEY, front TEXT NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS touched (guid TEXT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS appeared (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS vanished (id INTEGER PRIMARY KEY);
";

/// Makes the schema in a new index, or rebuilds an older one. Returns whether
/// it migrated: then every file is extracted again and every output rewritten.
///
/// A rebuilt index keeps each card's GUID and changed time in
/// `temp.kept` (by the key extraction gives it) until the cards are made
/// again in this same transaction.
pub fn prepare(tx: &rusqlite::Transaction) -> anyhow::Result<bool> {
    // Marks the index as notedeck's (`owner`), the first time on an index
    // an older notedeck made.
    let id: i32 = tx.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if id != super::owner::APPLICATION_ID {
        tx.pragma_update(None, "application_id", super::owner::APPLICATION_ID)?;
    }
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == SCHEMA_VERSION {
        add_later_columns(tx)?;
        return Ok(false);
    }
    if version > SCHEMA_VERSION {
        bail!("the index was made by a newer notedeck (schema {version}, this one knows {SCHEMA_VERSION}); delete it to rebuild");
    }
    let tables: Vec<(String, bool)> = tx
        .prepare("SELECT name, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let migrated = !tables.is_empty();
    tx.execute_batch(
        "CREATE TEMP TABLE kept (key TEXT PRIMARY KEY, guid TEXT NOT NULL, changed INTEGER NOT NULL, hash BLOB)",
    )?;
    if tables.iter().any(|(name, _)| name == "cards") {
        keep_cards(tx, "main")?;
    }
    // Virtual tables first: dropping one drops its shadow tables.
    let mut ordered = tables;
    ordered.sort_by_key(|(_, is_virtual)| !is_virtual);
    for (name, _) in ordered {
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS \"{}\"",
            name.replace('"', "\"\"")
        ))?;
    }
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(migrated)
}

/// Adds the columns this version gained after its tables were first made,
/// NULL in every row: nothing else of the index needs making again.
fn add_later_columns(tx: &rusqlite::Transaction) -> rusqlite::Result<()> {
    for (column, kind) in [("tags", "TEXT"), ("fields", "BLOB")] {
        if !has_column(tx, "main", "anki_notes", column)? {
            tx.execute_batch(&format!(
                "ALTER TABLE anki_notes ADD COLUMN {column} {kind}"
            ))?;
        }
    }
    Ok(())
}

/// Keeps the GUID, changed time and content hash of every card of the index
/// `schema` (`main`, or an attached one) in `temp.kept`, by key. Returns how
/// many.
fn keep_cards(tx: &rusqlite::Transaction, schema: &str) -> rusqlite::Result<usize> {
    // Before version 4 a card's GUID was its key.
    let key = if has_column(tx, schema, "cards", "key")? {
        "key"
    } else {
        "guid"
    };
    tx.execute(
        &format!(
            "INSERT OR IGNORE INTO temp.kept SELECT {key}, guid, changed, hash FROM {schema}.cards WHERE guid IS NOT NULL"
        ),
        [],
    )
}

/// What a new index took over from a damaged one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Salvaged {
    /// Cards whose GUID and changed time were kept.
    pub cards: usize,
    /// Entries of the list of removed cards.
    pub removed: usize,
}

/// Takes over into a new index, made by `prepare` in this transaction, what
/// only an index knows and can still be read of the damaged one attached as
/// `schema`: the cards' identities and changed times (through `temp.kept`,
/// as a migration does), the removed cards, the facts of `meta` (the notes
/// folder) and the outputs, as pending (so only files notedeck made are
/// ever removed). Whatever cannot be read is left behind: the notes hold
/// the rest.
pub fn salvage(tx: &rusqlite::Transaction, schema: &str) -> Salvaged {
    let copy = |sql: String| tx.execute(&sql, []).unwrap_or(0);
    let cards = keep_cards(tx, schema).unwrap_or(0);
    let removed = copy(format!(
        "INSERT OR IGNORE INTO main.removed (guid, key, deck, front, file, line, removed)
         SELECT guid, key, deck, front, file, line, removed FROM {schema}.removed"
    ));
    copy(format!(
        "INSERT OR IGNORE INTO main.meta (name, value) SELECT name, value FROM {schema}.meta"
    ));
    copy(format!(
        "INSERT OR IGNORE INTO main.outputs (name, pending) SELECT name, 1 FROM {schema}.outputs"
    ));
    Salvaged { cards, removed }
}

fn has_column(
    tx: &rusqlite::Transaction,
    schema: &str,
    table: &str,
    column: &str,
) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT count(*) FROM pragma_table_info(?1, ?2) WHERE name = ?3",
        [table, schema, column],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_of_this_version_gains_the_columns_added_since_and_keeps_its_rows() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE anki_notes (guid TEXT PRIMARY KEY, nid INTEGER NOT NULL, hash BLOB NOT NULL, deck TEXT NOT NULL);
             INSERT INTO anki_notes VALUES ('g', 1, x'00', 'D');
             PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .unwrap();
        let tx = conn.transaction().unwrap();
        assert!(!prepare(&tx).unwrap(), "no migration");
        assert!(has_column(&tx, "main", "anki_notes", "tags").unwrap());
        assert!(has_column(&tx, "main", "anki_notes", "fields").unwrap());
        let row: (String, Option<String>) = tx
            .query_row("SELECT guid, tags FROM anki_notes", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, ("g".to_string(), None));
    }
}
