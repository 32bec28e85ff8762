//! Whether the file at `OUT/index.sqlite` is an index notedeck made: only
//! such a file is ever migrated, repaired or written. An output folder may
//! come from a cloned repository, and a database of another program (or a
//! link to one) must be left exactly as it was.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// SQLite's `application_id` of a notedeck index: "NDck".
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"NDck");

/// The tables every index has had since the first version, before indexes
/// carried `APPLICATION_ID`: how an index of an older notedeck is known.
const FIRST_TABLES: [&str; 4] = ["files", "cards", "cards_fts", "builds"];

/// The file at the index's path is not notedeck's: it is refused, and left
/// as it is.
#[derive(Debug, thiserror::Error)]
#[error("{}: {why}; notedeck leaves it as it is: give the build another output folder with --out, or move the file away", path.display())]
pub struct NotAnIndex {
    path: PathBuf,
    why: String,
}

/// Refuses an index file, or one of the files SQLite keeps beside it, that
/// is a symbolic link or not a plain file: SQLite would write through the
/// link to wherever it points.
pub fn refuse_links(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            continue;
        };
        let why = if meta.file_type().is_symlink() {
            "a symbolic link, not an index notedeck made"
        } else if !meta.is_file() {
            "not a plain file"
        } else {
            continue;
        };
        return Err(NotAnIndex {
            path: file,
            why: why.to_string(),
        }
        .into());
    }
    Ok(())
}

/// Checks that the database open at `path` is a notedeck index, or new
/// (no tables yet), before anything writes to it. SQLite's own errors
/// (not a database, a malformed header) are returned as they are: they are
/// damage of an index, which a build moves aside and keeps.
pub fn check(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    let id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let refuse = |why: String| {
        Err(NotAnIndex {
            path: path.to_path_buf(),
            why,
        }
        .into())
    };
    if id != 0 {
        return refuse(format!(
            "a database of another program (application id {id:#010x})"
        ));
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let older_notedeck = (1..=super::SCHEMA_VERSION).contains(&version)
        && FIRST_TABLES
            .iter()
            .all(|first| tables.iter().any(|t| t == first));
    if tables.is_empty() && version == 0 || older_notedeck {
        return Ok(());
    }
    const NAMED: usize = 5;
    let mut named = tables
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if tables.len() > NAMED {
        named.push_str(", …");
    }
    refuse(format!(
        "a database notedeck did not make (tables: {named})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_application_id_spells_its_name() {
        assert_eq!(APPLICATION_ID.to_be_bytes(), *b"NDck");
    }

    #[test]
    fn a_new_database_and_an_older_index_are_notedecks_another_is_not() {
        let path = Path::new("index.sqlite");
        let conn = Connection::open_in_memory().unwrap();
        assert!(check(&conn, path).is_ok(), "nothing in it yet");
        conn.execute_batch(
            "CREATE TABLE files (a); CREATE TABLE cards (a); CREATE TABLE builds (a);
             CREATE VIRTUAL TABLE cards_fts USING fts5 (a); PRAGMA user_version = 3;",
        )
        .unwrap();
        assert!(check(&conn, path).is_ok(), "an index of an older notedeck");
        conn.execute_batch("PRAGMA user_version = 0").unwrap();
        let err = check(&conn, path).unwrap_err().to_string();
        assert!(
            err.contains("did not make (tables: builds, cards, cards_fts"),
            "{err}"
        );
        conn.execute_batch("PRAGMA application_id = 42").unwrap();
        let err = check(&conn, path).unwrap_err().to_string();
        assert!(
            err.contains("another program (application id 0x0000002a)"),
            "{err}"
        );
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        assert!(check(&conn, path).is_ok());
    }
}
