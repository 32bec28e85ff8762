//! The SQLite index: note files, cards, the full-text tables over them, the
//! removed cards not yet dealt with, and the outputs builds made.
//!
//! The index is a cache of the notes, plus what only it knows: each card's
//! GUID (kept through renames and moves), the time its content last changed,
//! and the removed cards. Every change to it happens in one transaction a
//! build (`Index::begin`), so a build that is killed leaves the previous
//! state, and a second build waits for the first.

mod fresh;
mod owner;
mod schema;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};

use crate::card::Card;
use crate::card::IndexedCard;
use crate::japanese::fold;
use crate::japanese::spelling::{self, End};
use crate::notes::scan::FileState;

pub use owner::NotAnIndex;
pub use schema::{Salvaged, SCHEMA_VERSION};
pub use writer::{
    sort_in_note_order, CardEvent, Outcome, PreparedCard, Stored, Writer, META_TOKENS,
};

/// An index up to this size (some thousands of cards) is checked whole
/// before every build, in a fraction of a second (`Index::check`).
const CHECKED_WHOLE_UP_TO: u64 = 8 << 20;

/// How long a build waits for another one to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The columns `read_card` reads, in its order.
pub const CARD_COLUMNS: &str =
    "cards.guid, cards.deck, cards.front, cards.back, cards.back_html, cards.context, \
     cards.tags, cards.kind, cards.file, cards.line, cards.changed, cards.note_type";

/// Column `i` of `row`, a name parsed into `T` (a card's kind, its note type).
fn parsed<T: std::str::FromStr<Err = String>>(row: &Row, i: usize) -> rusqlite::Result<T> {
    let text: String = row.get(i)?;
    text.parse().map_err(|err: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, err.into())
    })
}

/// Reads a card from a row that starts with `CARD_COLUMNS`.
pub fn read_card(row: &Row) -> rusqlite::Result<IndexedCard> {
    let json = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = row.get(i)?;
        serde_json::from_str(&text).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, err.into())
        })
    };
    Ok(IndexedCard {
        card: Card {
            guid: row.get(0)?,
            deck: row.get::<_, String>(1)?.into(),
            front: row.get(2)?,
            back: row.get(3)?,
            back_html: row.get(4)?,
            context: json(5)?.into(),
            tags: json(6)?.into(),
            kind: parsed(row, 7)?,
            file: row.get::<_, String>(8)?.into(),
            line: row.get(9)?,
            note_type: parsed(row, 11)?,
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

/// The folded form a query is compared with `front_key` in, its spelling
/// folded as search tokens are (`ユーザー` is the front `ユーザ`).
pub fn front_key(text: &str) -> String {
    spelling::unify_string(fold(text.trim()), End::Closed)
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
    /// A damaged index moved aside for this one, whose cards' identities
    /// the next build takes over.
    rescue: Option<Rescue>,
}

/// A damaged index moved aside, and what a build could take over from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescue {
    /// Where the damaged file is now.
    pub aside: PathBuf,
    /// What was wrong with it.
    pub damage: String,
    /// Cards whose GUID and changed time were read from it (`None`: not
    /// yet tried, before the build's transaction).
    pub salvaged: Option<schema::Salvaged>,
}

/// The check of an index found it damaged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Damaged(String);

impl Index {
    /// Opens (creating) the index file for a build. The schema is made or
    /// brought up to date by the build, inside its transaction. A file there
    /// that notedeck did not make, or a link, is refused and left as it is
    /// (`owner`).
    pub fn open(path: &Path) -> anyhow::Result<Index> {
        owner::refuse_links(path)?;
        let opened = |flags| {
            let conn = Connection::open_with_flags(path, flags)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            Ok(conn)
        };
        let conn = opened(OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW)
            .map_err(|err| busy_or(err, path))
            .with_context(|| format!("{}: cannot open the index", path.display()))?;
        // Before the pragmas below write to the file.
        owner::check(&conn, path)?;
        (|| {
            // WAL: searches read while a build writes; a killed writer's
            // half-written frames are ignored on the next open.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // A build's transaction can make the WAL as large as the
            // index; give the disk back once it is checkpointed.
            conn.pragma_update(None, "journal_size_limit", 64 << 20)
        })()
        .map_err(|err| busy_or(err, path))
        .with_context(|| format!("{}: cannot open the index", path.display()))?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
            rescue: None,
        })
    }

    /// Opens the index for a build, as `open`, after checking it: a damaged
    /// index (not a database, malformed pages or full-text tables, tables
    /// missing) is moved aside as `index.sqlite.damaged-NOW`, kept for the
    /// user, and a new one made in its place. The build then takes over
    /// what can still be read of it (`Index::rescue`). `whole`: check every
    /// page, however large the index (`check`).
    pub fn open_repairing(path: &Path, now: i64, whole: bool) -> anyhow::Result<Index> {
        match Index::open(path).and_then(|index| index.check(whole).map(|()| index)) {
            Err(err) if is_damage(&err) => Index::replace_damaged(path, now, damage_text(&err)),
            other => other,
        }
    }

    /// Moves a damaged index aside and makes a new one in its place, for a
    /// build to take over what it can of the old one. The damage may show
    /// only when a build reads it: then the build calls this itself.
    pub fn replace_damaged(path: &Path, now: i64, damage: String) -> anyhow::Result<Index> {
        let aside = aside_path(path, now);
        move_aside(path, &aside)?;
        let mut index = Index::open(path)?;
        index.rescue = Some(Rescue {
            aside,
            damage,
            salvaged: None,
        });
        Ok(index)
    }

    /// The damaged index this one replaced, if it did.
    pub fn rescue(&self) -> Option<&Rescue> {
        self.rescue.as_ref()
    }

    /// Reads what a damaged index shows first: its header and schema, its
    /// tables there. Then, when `whole` or the index is small, every page
    /// (`quick_check`, which skips matching indexes against tables) and the
    /// structure of its full-text tables: about 35 ms a MB, ten times a
    /// build with nothing to do on a large index. Damage these leave for
    /// later shows when the build reads it (`build` repairs it then). An
    /// index of another version is left to `schema::prepare`.
    fn check(&self, whole: bool) -> anyhow::Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version != SCHEMA_VERSION {
            return Ok(());
        }
        for table in schema::TABLES {
            // Preparing finds a table missing; nothing needs reading.
            self.conn.prepare(&format!("SELECT * FROM {table}"))?;
        }
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if !whole && size > CHECKED_WHOLE_UP_TO {
            return Ok(());
        }
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))?;
        if verdict != "ok" {
            return Err(Damaged(verdict).into());
        }
        for table in schema::FTS_TABLES {
            self.conn.execute(
                &format!("INSERT INTO {table} ({table}) VALUES ('integrity-check')"),
                [],
            )?;
        }
        Ok(())
    }

    /// An index that lives in memory only: what a dry run of a first build
    /// works in, leaving no file behind.
    pub fn in_memory() -> anyhow::Result<Index> {
        Ok(Index {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
            rescue: None,
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
        owner::refuse_links(path)?;
        let conn = query_only()
            .and_then(usable)
            .or_else(|_| read_only().and_then(usable))
            .or_else(|_| immutable().and_then(usable))
            .with_context(|| format!("{}: cannot open the index", path.display()))?;
        owner::check(&conn, path)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .with_context(|| format!("{}: cannot read the index", path.display()))?;
        // A first build makes the tables in its transaction: until it
        // commits, the index is empty.
        if version == 0 {
            anyhow::bail!(
                "{}: no index here yet (or its first build has not finished); run `notedeck build` first",
                path.display()
            );
        }
        if version != SCHEMA_VERSION {
            anyhow::bail!(
                "{}: the index was made by another version of notedeck; run `notedeck build` to bring it up to date",
                path.display()
            );
        }
        Ok(Index {
            conn,
            path: path.to_path_buf(),
            rescue: None,
        })
    }

    /// Every note file the index knows, by name, as its last build saw it.
    pub fn known_files(&self) -> anyhow::Result<HashMap<String, FileState>> {
        known_files(&self.conn)
    }

    /// The connection, for reading (search). Writes go through `begin`.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts the one transaction of a build, waiting for another build to
    /// finish; makes or migrates the schema.
    /// finish; makes or migrates the schema, and takes over what can be read
    /// of the damaged index this one replaced.
    pub fn begin(&mut self, now: i64) -> anyhow::Result<Writer<'_>> {
        let path = self.path.clone();
        if let Some(rescue) = &self.rescue {
            // Read-only: the damaged file stays as it was found. Outside
            // the transaction, where ATTACH must be; a file SQLite cannot
            // read at all gives nothing to take over.
            let uri = format!("file:{}?mode=ro", uri_path(&rescue.aside));
            let _ = self.conn.execute("ATTACH DATABASE ?1 AS damaged", [uri]);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| busy_or(err, &path))?;
        let mut migrated = schema::prepare(&tx)
            .with_context(|| format!("{}: cannot prepare the index", path.display()))?;
        if let Some(rescue) = &mut self.rescue {
            rescue.salvaged = Some(schema::salvage(&tx, "damaged"));
            // As after a migration: every note extracted again, taking
            // back the identities kept.
            migrated = true;
        }
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

/// The cards of one deck, or of every deck, in deck and note order.
pub fn cards(conn: &Connection, deck: Option<&str>) -> anyhow::Result<Vec<IndexedCard>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE ?1 IS NULL OR deck = ?1 ORDER BY deck, file, line"
    ))?;
    let cards = stmt
        .query_map([deck], read_card)?
        .collect::<Result<_, _>>()?;
    Ok(cards)
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

/// Where a damaged index goes: `index.sqlite.damaged-NOW`, never over one
/// moved aside before.
fn aside_path(path: &Path, now: i64) -> PathBuf {
    let name = |n: usize| match n {
        0 => PathBuf::from(format!("{}.damaged-{now}", path.display())),
        n => PathBuf::from(format!("{}.damaged-{now}-{n}", path.display())),
    };
    (0..)
        .map(name)
        .find(|aside| !aside.exists())
        .expect("a free name")
}

/// Moves the index file and its WAL files to `aside` (and `aside-wal`…),
/// where SQLite still finds them together.
fn move_aside(path: &Path, aside: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        let to = PathBuf::from(format!("{}{suffix}", aside.display()));
        match std::fs::rename(&from, &to) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(|| {
                    format!(
                        "{}: the index is damaged and cannot be moved aside to {}",
                        from.display(),
                        to.display()
                    )
                })
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether an error says the index file is damaged: not a database, a
/// malformed page or full-text table, a table of this version missing.
pub fn is_damage(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if cause.is::<Damaged>() {
            return true;
        }
        let Some(rusqlite::Error::SqliteFailure(code, message)) = cause.downcast_ref() else {
            return false;
        };
        matches!(
            code.code,
            rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
        ) || message.as_deref().is_some_and(|m| {
            [
                "no such table",
                "no such column",
                "vtable constructor failed",
            ]
            .iter()
            .any(|sign| m.starts_with(sign))
        })
    })
}

/// Says which file an error of the index is about: damage (see
/// `is_damage`) with how to mend it, since the commands that only read
/// never move the index aside themselves; an SQLite message that names no
/// file ("database or disk is full") with the index's path. Other errors
/// already name theirs.
pub fn explain(err: anyhow::Error, path: &Path) -> anyhow::Error {
    if is_damage(&err) {
        return anyhow::anyhow!(
            "{}: the index is damaged ({}); run `notedeck build --force` to move it aside and rebuild it",
            path.display(),
            damage_text(&err)
        );
    }
    if err
        .chain()
        .next()
        .is_some_and(|outer| outer.is::<rusqlite::Error>())
    {
        return err.context(path.display().to_string());
    }
    err
}

/// What is wrong with a damaged index, in SQLite's words without its
/// error number.
pub fn damage_text(err: &anyhow::Error) -> String {
    for cause in err.chain() {
        if let Some(Damaged(verdict)) = cause.downcast_ref() {
            return verdict.clone();
        }
        if let Some(rusqlite::Error::SqliteFailure(code, message)) = cause.downcast_ref() {
            return message
                .clone()
                .unwrap_or_else(|| rusqlite::ffi::code_to_str(code.extended_code).to_lowercase());
        }
    }
    err.root_cause().to_string()
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
