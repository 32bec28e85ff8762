//! The SQLite index: note files, cards, the full-text tables over them, the
//! removed cards not yet dealt with, and the outputs builds made.
//!
//! The index is a cache of the notes, plus what only it knows: each card's
//! GUID (kept through renames and moves), the time its content last changed,
//! and the removed cards. Every change to it happens in one transaction a
//! build (`Index::begin`), so a build that is killed leaves the previous
//! state, and a second build waits for the first.

mod schema;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};

use crate::card::Card;
use crate::export::IndexedCard;
use crate::japanese::fold;
use crate::scan::FileState;

pub use schema::SCHEMA_VERSION;
pub use writer::{CardEvent, Outcome, Stored, Writer};

/// How long a build waits for another one to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

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

/// A card removed from the notes whose Anki note may still be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedCard {
    pub guid: String,
    pub deck: String,
    pub front: String,
    pub file: String,
    pub line: usize,
}

pub struct Index {
    conn: Connection,
    path: PathBuf,
}

impl Index {
    /// Opens (creating) the index file for a build. The schema is made or
    /// brought up to date by the build, inside its transaction.
    pub fn open(path: &Path) -> anyhow::Result<Index> {
        let conn = Connection::open(path)
            .and_then(|conn| {
                conn.busy_timeout(BUSY_TIMEOUT)?;
                // WAL: searches read while a build writes; a killed writer's
                // half-written frames are ignored on the next open.
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                // A build's transaction can make the WAL as large as the
                // index; give the disk back once it is checkpointed.
                conn.pragma_update(None, "journal_size_limit", 64 << 20)?;
                Ok(conn)
            })
            .map_err(|err| busy_or(err, path))
            .with_context(|| format!("{}: cannot open the index", path.display()))?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// An index that lives in memory only: what a dry run of a first build
    /// works in, leaving no file behind.
    pub fn in_memory() -> anyhow::Result<Index> {
        Ok(Index {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        })
    }

    /// Opens an existing index to read it, never to write: search works on
    /// a read-only output folder, and leaves every file as it was.
    pub fn open_read_only(path: &Path) -> anyhow::Result<Index> {
        if !path.is_file() {
            anyhow::bail!(
                "{}: no index here yet; run `notedeck build` first (or give --out)",
                path.display()
            );
        }
        // Read-write but query-only where the folder allows: as the last
        // connection to close it removes the WAL files it opened, which a
        // read-only one leaves behind.
        let query_only = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.pragma_update(None, "query_only", true)?;
            Ok(conn)
        };
        let read_only = || {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        };
        // No writer can be at work in a folder nobody may write to: read
        // the file as it is.
        let immutable = || {
            Connection::open_with_flags(
                format!("file:{}?immutable=1", uri_path(path)),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )
        };
        let usable = |conn: Connection| -> rusqlite::Result<Connection> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Fails here, not at open, when the folder is read-only and the
            // WAL index cannot be made.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
            Ok(conn)
        };
        let conn = query_only()
            .and_then(usable)
            .or_else(|_| read_only().and_then(usable))
            .or_else(|_| immutable().and_then(usable))
            .with_context(|| format!("{}: cannot open the index", path.display()))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .with_context(|| format!("{}: cannot read the index", path.display()))?;
        if version != SCHEMA_VERSION {
            anyhow::bail!(
                "{}: the index was made by another version of notedeck; run `notedeck build` to bring it up to date",
                path.display()
            );
        }
        Ok(Index {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Every note file the index knows, by name, as its last build saw it.
    pub fn known_files(&self) -> anyhow::Result<HashMap<String, FileState>> {
        known_files(&self.conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
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
        let migrated = schema::prepare(&tx)
            .with_context(|| format!("{}: cannot prepare the index", path.display()))?;
        Writer::new(tx, now, migrated)
    }

    /// A fact the index records (`meta`), if the index has its tables.
    pub fn meta(&self, name: &str) -> anyhow::Result<Option<String>> {
        let has_meta: bool = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'meta'",
            [],
            |row| row.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_meta {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// The removed cards not yet dealt with, by deck and front.
    pub fn removed_cards(&self) -> anyhow::Result<Vec<RemovedCard>> {
        removed_cards(&self.conn)
    }

    /// Forgets removed cards the user has dealt with in Anki.
    pub fn forget_removed(&mut self, guids: &[String]) -> anyhow::Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| busy_or(err, &self.path))?;
        let mut forgotten = 0;
        for guid in guids {
            forgotten += tx.execute("DELETE FROM removed WHERE guid = ?1", params![guid])?;
        }
        tx.commit()?;
        Ok(forgotten)
    }

    /// Marks outputs as renamed into place, after the build that wrote them
    /// committed.
    pub fn outputs_in_place(&self, names: &[String]) -> anyhow::Result<()> {
        for name in names {
            self.conn
                .execute("UPDATE outputs SET pending = 0 WHERE name = ?1", [name])?;
        }
        Ok(())
    }
}

/// The removed cards not yet dealt with, by deck and front.
pub fn removed_cards(conn: &Connection) -> anyhow::Result<Vec<RemovedCard>> {
    let mut stmt = conn.prepare(
        "SELECT guid, deck, front, file, line FROM removed ORDER BY deck, file, line, guid",
    )?;
    let cards = stmt
        .query_map([], |row| {
            Ok(RemovedCard {
                guid: row.get(0)?,
                deck: row.get(1)?,
                front: row.get(2)?,
                file: row.get(3)?,
                line: row.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(cards)
}

/// Every note file an index knows, by name, as its last build saw it.
fn known_files(conn: &Connection) -> anyhow::Result<HashMap<String, FileState>> {
    let mut stmt = conn.prepare("SELECT path, size, mtime, hash FROM files")?;
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

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::new();
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'?' | b'#' | b'%' | 0x80.. => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(byte as char),
        }
    }
    uri
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
