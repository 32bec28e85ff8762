//! The SQLite index: note files, cards and the full-text table over them.
//!
//! The index is a cache of the notes. Every change to it happens in one
//! transaction a build (`Index::begin`), so a build that is killed leaves the
//! previous state, and a second build waits for the first. When its schema
//! version is older than the program's it is rebuilt, keeping each card's
//! changed time where the card still exists.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::card::Card;
use crate::export::IndexedCard;
use crate::japanese::{fold, tokens};
use crate::scan::FileState;

/// Bump when the tables change, or when extraction changes so that cards
/// must be made again from unchanged notes.
pub const SCHEMA_VERSION: i64 = 3;

/// How long a build waits for another one to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    deck TEXT NOT NULL,
    guid TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    front TEXT NOT NULL,
    -- The folded front, so that a query equal to it can rank first.
    front_key TEXT NOT NULL,
    back TEXT NOT NULL,
    back_html TEXT NOT NULL,
    context TEXT NOT NULL, -- JSON array
    tags TEXT NOT NULL,    -- JSON array
    hash BLOB NOT NULL,    -- of the content: a change makes `changed` now
    changed INTEGER NOT NULL,
    seen INTEGER NOT NULL, -- the last build that extracted it
    UNIQUE (deck, guid)
);
CREATE INDEX cards_by_file ON cards (file);
CREATE INDEX cards_by_front ON cards (front_key);
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
";

/// The fronts a build indexes, held until it commits and then written to
/// `fronts_fts` in rowid order: FTS5 flushes its pending tokens into a new
/// segment whenever a row id is lower than the last one, which unordered
/// `front_rowid`s would make nearly every other insert.
const NEW_FRONTS: &str =
    "CREATE TEMP TABLE IF NOT EXISTS new_fronts (rowid INTEGER PRIMARY KEY, front TEXT NOT NULL)";

/// The columns `read_card` reads, in its order.
pub const CARD_COLUMNS: &str =
    "cards.guid, cards.deck, cards.front, cards.back, cards.back_html, cards.context, \
     cards.tags, cards.kind, cards.file, cards.line, cards.changed";

/// Reads a card from a row that starts with `CARD_COLUMNS`.
pub fn read_card(row: &Row) -> rusqlite::Result<IndexedCard> {
    let json = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = row.get(i)?;
        serde_json::from_str(&text).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, err.into())
        })
    };
    let kind: String = row.get(7)?;
    Ok(IndexedCard {
        card: Card {
            guid: row.get(0)?,
            deck: row.get(1)?,
            front: row.get(2)?,
            back: row.get(3)?,
            back_html: row.get(4)?,
            context: json(5)?,
            tags: json(6)?,
            kind: kind.parse().map_err(|err: String| {
                rusqlite::Error::FromSqlConversionFailure(
                    7,
                    rusqlite::types::Type::Text,
                    err.into(),
                )
            })?,
            file: row.get(8)?,
            line: row.get(9)?,
        },
        changed: row.get(10)?,
    })
}

/// The row id of a card's front in `fronts_fts`: its number of tokens in
/// the high bits, the card's id in the low `FRONT_ID_BITS`. FTS5 reads
/// matches in rowid order, so the shortest fronts that match (bm25's best
/// when each word occurs once) are the first read, and the rest need not be.
pub fn front_rowid(id: i64, front_tokens: &str) -> i64 {
    let count = front_tokens.split(' ').filter(|t| !t.is_empty()).count() as i64;
    (count << FRONT_ID_BITS) | id
}

/// How many low bits of a `front_rowid` hold the card's id: card ids count
/// up from 1, one a card ever stored, far below 2^32.
pub const FRONT_ID_BITS: u32 = 32;

/// The folded form a query is compared with `front_key` in.
pub fn front_key(text: &str) -> String {
    fold(text.trim())
}

pub struct Index {
    conn: Connection,
    path: PathBuf,
}

impl Index {
    /// Opens (creating) the index file. The schema is made or brought up to
    /// date by the first build, inside its transaction.
    pub fn open(path: &Path) -> anyhow::Result<Index> {
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // WAL: searches read while a build writes; a killed writer's
            // half-written frames are ignored on the next open.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // A build's transaction can make the WAL as large as the index;
            // give the disk back once it is checkpointed.
            conn.pragma_update(None, "journal_size_limit", 64 << 20)?;
            Ok(conn)
        };
        let conn = open()
            .map_err(|err| busy_or(err, path))
            .with_context(|| format!("{}: cannot open the index", path.display()))?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The connection, for reading (search). Writes go through `begin`.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts the one transaction of a build, waiting for another build to
    /// finish; makes or migrates the schema.
    pub fn begin(&mut self, now: i64) -> anyhow::Result<Writer<'_>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| busy_or(err, &path))?;
        let migrated = prepare_schema(&tx)
            .with_context(|| format!("{}: cannot prepare the index", path.display()))?;
        tx.execute_batch(NEW_FRONTS)?;
        tx.execute("INSERT INTO builds DEFAULT VALUES", [])?;
        let build = tx.last_insert_rowid();
        tx.execute("DELETE FROM builds WHERE id < ?1", [build])?;
        Ok(Writer {
            tx,
            build,
            now,
            migrated,
        })
    }
}

/// Turns SQLite's "database is locked" into a message that says why.
fn busy_or(err: rusqlite::Error, path: &Path) -> anyhow::Error {
    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        anyhow::anyhow!(
            "{}: another notedeck build is still running (waited {} s); try again when it has finished",
            path.display(),
            BUSY_TIMEOUT.as_secs()
        )
    } else {
        err.into()
    }
}

/// Makes the schema in a new index, or rebuilds an older one. Returns whether
/// it migrated: then every file is extracted again and every deck rewritten.
fn prepare_schema(tx: &rusqlite::Transaction) -> anyhow::Result<bool> {
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == SCHEMA_VERSION {
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
    // Every version so far has had cards(deck, guid, changed): keep those
    // times until the cards are made again in this same transaction.
    tx.execute_batch("CREATE TEMP TABLE kept_changed (deck TEXT, guid TEXT, changed INTEGER, PRIMARY KEY (deck, guid))")?;
    if tables.iter().any(|(name, _)| name == "cards") {
        tx.execute_batch(
            "INSERT OR IGNORE INTO kept_changed SELECT deck, guid, changed FROM cards",
        )?;
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

/// What became of a card in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardChange {
    New,
    Changed,
    Unchanged,
    /// Another card of the deck has the same GUID; this one was not indexed.
    Duplicate,
}

/// A card that left the index.
#[derive(Debug, Clone)]
pub struct RemovedCard {
    pub deck: String,
    pub front: String,
    pub file: String,
    pub line: usize,
}

/// The open transaction of one build.
pub struct Writer<'a> {
    tx: rusqlite::Transaction<'a>,
    /// This build's number: cards it extracts are marked with it, so the
    /// ones left unmarked in the files it read are the removed ones.
    build: i64,
    /// Unix seconds: the changed time of new and changed cards.
    now: i64,
    migrated: bool,
}

impl Writer<'_> {
    /// Whether the schema was rebuilt from an older version in this build.
    pub fn migrated(&self) -> bool {
        self.migrated
    }

    /// Every note file the index knows, by name.
    pub fn known_files(&self) -> anyhow::Result<HashMap<String, FileState>> {
        let mut stmt = self
            .tx
            .prepare("SELECT path, size, mtime, hash FROM files")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get(0)?,
                FileState {
                    size: row.get(1)?,
                    mtime: row.get(2)?,
                    hash: row.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a file's size, time and hash.
    pub fn set_file(&self, name: &str, state: &FileState) -> anyhow::Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime, hash) VALUES (?1, ?2, ?3, ?4)",
            params![name, state.size, state.mtime, state.hash],
        )?;
        Ok(())
    }

    /// Forgets a file that is gone; `sweep_file` then removes its cards.
    pub fn forget_file(&self, name: &str) -> anyhow::Result<()> {
        self.tx
            .execute("DELETE FROM files WHERE path = ?1", [name])?;
        Ok(())
    }

    /// Stores a card extracted in this build and says what became of it.
    /// Cards are matched by deck and GUID, wherever they were before.
    ///
    /// A card another file has is moved here only when `may_move(that file)`:
    /// that file is extracted again (or gone) in this build, so it gives the
    /// card up, or the build's sweep would remove it. Otherwise both files
    /// claim one GUID and this card is the duplicate.
    pub fn store_card(
        &self,
        card: &Card,
        may_move: impl Fn(&str) -> bool,
    ) -> anyhow::Result<CardChange> {
        let hash = content_hash(card);
        let existing: Option<(i64, Vec<u8>, i64, String, i64)> = self
            .tx
            .prepare_cached(
                "SELECT id, hash, seen, file, changed FROM cards WHERE deck = ?1 AND guid = ?2",
            )?
            .query_row([&card.deck, &card.guid], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            })
            .optional()?;
        let (id, change) = match existing {
            Some((_, _, seen, file, _))
                if seen == self.build || (file != card.file && !may_move(&file)) =>
            {
                return Ok(CardChange::Duplicate)
            }
            Some((id, old_hash, _, _, _)) if old_hash == hash => {
                // Only its place moved: not a change Anki should see.
                self.tx
                    .prepare_cached(
                        "UPDATE cards SET file = ?2, line = ?3, seen = ?4 WHERE id = ?1",
                    )?
                    .execute(params![id, card.file, card.line, self.build])?;
                return Ok(CardChange::Unchanged);
            }
            Some((id, _, _, _, before)) => {
                self.unindex(id)?;
                // Anki updates a note only when its `mod` is strictly newer:
                // a change within the second of the last one must still be.
                let changed = self.now.max(before + 1);
                self.write_card(Some(id), card, &hash, changed)?;
                (id, CardChange::Changed)
            }
            None => {
                let kept = self.kept_changed(card)?;
                let id = self.write_card(None, card, &hash, kept.unwrap_or(self.now))?;
                (
                    id,
                    if kept.is_some() {
                        CardChange::Unchanged
                    } else {
                        CardChange::New
                    },
                )
            }
        };
        self.index_card(id, card)?;
        Ok(change)
    }

    /// Adds a card's tokens to the full-text tables.
    fn index_card(&self, id: i64, card: &Card) -> anyhow::Result<()> {
        let front = tokens::index_text(&card.front);
        self.tx
            .prepare_cached(
                "INSERT INTO cards_fts (rowid, front, context, back) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                id,
                front,
                tokens::index_text(&card.context.join("\n")),
                tokens::index_text(&card.back),
            ])?;
        self.tx
            .prepare_cached("INSERT INTO temp.new_fronts (rowid, front) VALUES (?1, ?2)")?
            .execute(params![front_rowid(id, &front), front])?;
        Ok(())
    }

    /// Removes a card's tokens from the full-text tables, while its row
    /// still has the front they were made from.
    fn unindex(&self, id: i64) -> anyhow::Result<()> {
        let front: String = self
            .tx
            .prepare_cached("SELECT front FROM cards WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        self.tx
            .prepare_cached("DELETE FROM cards_fts WHERE rowid = ?1")?
            .execute([id])?;
        self.tx
            .prepare_cached("DELETE FROM fronts_fts WHERE rowid = ?1")?
            .execute([front_rowid(id, &tokens::index_text(&front))])?;
        Ok(())
    }

    /// The changed time an older index had for this card, during a migration.
    fn kept_changed(&self, card: &Card) -> anyhow::Result<Option<i64>> {
        if !self.migrated {
            return Ok(None);
        }
        Ok(self
            .tx
            .prepare_cached("SELECT changed FROM temp.kept_changed WHERE deck = ?1 AND guid = ?2")?
            .query_row([&card.deck, &card.guid], |row| row.get(0))
            .optional()?)
    }

    /// Writes a card's row: a new one when `id` is `None`. Plain INSERT and
    /// UPDATE, not INSERT OR REPLACE: a statement that may write several rows
    /// opens a savepoint, and every savepoint makes FTS5 flush its pending
    /// tokens into a new segment, which then costs merges (tens of times slower).
    fn write_card(
        &self,
        id: Option<i64>,
        card: &Card,
        hash: &[u8],
        changed: i64,
    ) -> anyhow::Result<i64> {
        let sql = match id {
            None => "INSERT INTO cards (file, line, kind, front, front_key, back, back_html, context, \
                     tags, hash, changed, seen, deck, guid) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            Some(_) => "UPDATE cards SET file = ?1, line = ?2, kind = ?3, front = ?4, front_key = ?5, \
                        back = ?6, back_html = ?7, context = ?8, tags = ?9, hash = ?10, changed = ?11, \
                        seen = ?12 WHERE deck = ?13 AND guid = ?14",
        };
        self.tx.prepare_cached(sql)?.execute(params![
            card.file,
            card.line,
            card.kind.as_str(),
            card.front,
            front_key(&card.front),
            card.back,
            card.back_html,
            serde_json::to_string(&card.context)?,
            serde_json::to_string(&card.tags)?,
            hash,
            changed,
            self.build,
            card.deck,
            card.guid,
        ])?;
        Ok(id.unwrap_or_else(|| self.tx.last_insert_rowid()))
    }

    /// Removes the cards of `file` that this build did not extract again: the
    /// file is gone, or the items are. Called once every file is extracted,
    /// so that a card moved to a file read later is not taken for removed.
    pub fn sweep_file(&self, file: &str) -> anyhow::Result<Vec<RemovedCard>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id, deck, front, line FROM cards WHERE file = ?1 AND seen <> ?2",
        )?;
        let gone: Vec<(i64, RemovedCard)> = stmt
            .query_map(params![file, self.build], |row| {
                Ok((
                    row.get(0)?,
                    RemovedCard {
                        deck: row.get(1)?,
                        front: row.get(2)?,
                        file: file.to_string(),
                        line: row.get(3)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        for (id, _) in &gone {
            self.unindex(*id)?;
            self.tx
                .prepare_cached("DELETE FROM cards WHERE id = ?1")?
                .execute([id])?;
        }
        Ok(gone.into_iter().map(|(_, card)| card).collect())
    }

    /// Every deck that has cards, sorted.
    pub fn decks(&self) -> anyhow::Result<Vec<String>> {
        let mut stmt = self
            .tx
            .prepare("SELECT DISTINCT deck FROM cards ORDER BY deck")?;
        let decks = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(decks)
    }

    /// The cards of one deck, in note order: what its outputs are made of.
    pub fn deck_cards(&self, deck: &str) -> anyhow::Result<Vec<IndexedCard>> {
        let mut stmt = self.tx.prepare(&format!(
            "SELECT {CARD_COLUMNS} FROM cards WHERE deck = ?1 ORDER BY file, line"
        ))?;
        let cards = stmt
            .query_map([deck], read_card)?
            .collect::<Result<_, _>>()?;
        Ok(cards)
    }

    pub fn card_count(&self) -> anyhow::Result<u64> {
        Ok(self
            .tx
            .query_row("SELECT count(*) FROM cards", [], |row| row.get(0))?)
    }

    /// Makes the build's changes the index's state, all at once.
    pub fn commit(self) -> anyhow::Result<()> {
        self.tx.execute_batch(
            "INSERT INTO fronts_fts (rowid, front) SELECT rowid, front FROM temp.new_fronts ORDER BY rowid;
             DELETE FROM temp.new_fronts;",
        )?;
        self.tx.commit()?;
        Ok(())
    }
}

/// What makes a card's content: a change to any of it is what Anki must see.
/// Identity (deck, GUID) and place (file, line) are not content.
fn content_hash(card: &Card) -> Vec<u8> {
    let content = (
        &card.front,
        &card.back,
        &card.back_html,
        &card.context,
        &card.tags,
        card.kind,
    );
    let json = serde_json::to_vec(&content).expect("strings and a unit enum always serialize");
    Sha256::digest(json)[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Kind;

    fn card(file: &str, front: &str, back: &str) -> Card {
        Card {
            guid: format!("guid-{front}"),
            deck: "Deck".into(),
            front: front.into(),
            back: back.into(),
            back_html: back.into(),
            context: vec![],
            tags: vec![],
            kind: Kind::Term,
            file: file.into(),
            line: 1,
        }
    }

    /// One build: stores `cards`, then sweeps `files`; returns the changes
    /// and the fronts removed.
    fn build(
        index: &mut Index,
        now: i64,
        cards: &[Card],
        files: &[&str],
        may_move: bool,
    ) -> (Vec<CardChange>, Vec<String>) {
        let writer = index.begin(now).unwrap();
        let changes = cards
            .iter()
            .map(|c| writer.store_card(c, |_| may_move).unwrap())
            .collect();
        let removed = files
            .iter()
            .flat_map(|f| writer.sweep_file(f).unwrap())
            .map(|c| c.front)
            .collect();
        writer.commit().unwrap();
        (changes, removed)
    }

    fn changed_time(index: &Index, front: &str) -> i64 {
        index
            .connection()
            .query_row(
                "SELECT changed FROM cards WHERE front = ?1",
                [front],
                |row| row.get(0),
            )
            .unwrap()
    }

    #[test]
    fn cards_are_new_changed_unchanged_or_removed_by_guid() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        let first = [
            card("a.md", "監視", "見ること"),
            card("a.md", "通知", "知らせること"),
        ];
        let (changes, _) = build(&mut index, 100, &first, &["a.md"], true);
        assert_eq!(changes, [CardChange::New, CardChange::New]);

        let second = [card("a.md", "監視", "見張ること")];
        let (changes, removed) = build(&mut index, 200, &second, &["a.md"], true);
        assert_eq!(changes, [CardChange::Changed]);
        assert_eq!(removed, ["通知"]);
        assert_eq!(changed_time(&index, "監視"), 200);

        let (changes, removed) = build(&mut index, 300, &second, &["a.md"], true);
        assert_eq!((changes, removed), (vec![CardChange::Unchanged], vec![]));
        assert_eq!(changed_time(&index, "監視"), 200);
    }

    #[test]
    fn a_change_within_the_same_second_is_still_newer() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        build(
            &mut index,
            100,
            &[card("a.md", "監視", "一")],
            &["a.md"],
            true,
        );
        build(
            &mut index,
            100,
            &[card("a.md", "監視", "二")],
            &["a.md"],
            true,
        );
        assert_eq!(
            changed_time(&index, "監視"),
            101,
            "Anki updates only strictly newer notes"
        );
    }

    #[test]
    fn a_card_moved_to_a_file_read_first_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        build(
            &mut index,
            100,
            &[card("b.md", "移動", "説明")],
            &["b.md"],
            true,
        );
        // `a.md` now has it; `b.md`, read after, no longer does.
        let (changes, removed) = build(
            &mut index,
            200,
            &[card("a.md", "移動", "説明")],
            &["a.md", "b.md"],
            true,
        );
        assert_eq!((changes, removed), (vec![CardChange::Unchanged], vec![]));
        assert_eq!(changed_time(&index, "移動"), 100);
    }

    #[test]
    fn a_guid_claimed_by_a_file_not_read_again_stays_there() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        build(
            &mut index,
            100,
            &[card("a.md", "重複", "説明")],
            &["a.md"],
            true,
        );
        let (changes, removed) = build(
            &mut index,
            200,
            &[card("b.md", "重複", "説明")],
            &["b.md"],
            false,
        );
        assert_eq!((changes, removed), (vec![CardChange::Duplicate], vec![]));
        let file: String = index
            .connection()
            .query_row("SELECT file FROM cards", [], |row| row.get(0))
            .unwrap();
        assert_eq!(file, "a.md");
    }
}
