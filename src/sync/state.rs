//! What the index remembers of Anki between syncs (`anki_notes`,
//! `anki_media`).

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

/// A card's note in Anki as the last sync left it.
#[derive(Debug, Clone)]
pub struct Synced {
    pub nid: i64,
    /// Of the fields and tags sent (`note_hash`).
    pub hash: Vec<u8>,
    pub deck: String,
    /// The tags notedeck set on the note (`None`: not known, a note found
    /// by its Key): a sync removes only these.
    pub tags: Option<Vec<String>>,
    /// Of the fields alone as sent (`fields_hash`; `None`: not known).
    pub fields: Option<Vec<u8>>,
}

/// A hash of a note's field values in its note type's order: what notedeck
/// sent, compared with what Anki has now, tells an edit made in Anki.
pub fn fields_hash<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update([0x1f]);
    }
    hasher.finalize()[..16].to_vec()
}

pub fn synced(conn: &Connection) -> anyhow::Result<HashMap<String, Synced>> {
    let mut stmt = conn.prepare("SELECT guid, nid, hash, deck, tags, fields FROM anki_notes")?;
    let rows = stmt
        .query_map([], |row| {
            let tags: Option<String> = row.get(4)?;
            Ok((
                row.get(0)?,
                Synced {
                    nid: row.get(1)?,
                    hash: row.get(2)?,
                    deck: row.get(3)?,
                    tags: tags.and_then(|json| serde_json::from_str(&json).ok()),
                    fields: row.get(5)?,
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn media(conn: &Connection) -> anyhow::Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT name FROM anki_media")?;
    let names = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(names)
}

/// Records notes as Anki now has them.
pub fn record_synced(conn: &Connection, notes: &[(&str, Synced)]) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO anki_notes (guid, nid, hash, deck, tags, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (guid, note) in notes {
        let tags = note.tags.as_ref().map(serde_json::to_string).transpose()?;
        stmt.execute(params![
            guid,
            note.nid,
            note.hash,
            note.deck,
            tags,
            note.fields
        ])?;
    }
    Ok(())
}

pub fn record_media(conn: &Connection, name: &str) -> anyhow::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO anki_media (name) VALUES (?1)",
        [name],
    )?;
    Ok(())
}

/// Forgets removed cards whose notes are dealt with in Anki, and what the
/// last sync knew of them.
pub fn record_removed(conn: &Connection, guids: &[&str]) -> anyhow::Result<()> {
    for guid in guids {
        conn.execute("DELETE FROM removed WHERE guid = ?1", [guid])?;
        conn.execute("DELETE FROM anki_notes WHERE guid = ?1", [guid])?;
    }
    Ok(())
}

/// Forgets notes of cards that are neither in the notes nor removed (the
/// user forgot the removal): the sync leaves them alone.
pub fn forget_strays(conn: &Connection) -> anyhow::Result<()> {
    conn.execute(
        "DELETE FROM anki_notes WHERE guid NOT IN (SELECT guid FROM cards WHERE guid IS NOT NULL) \
         AND guid NOT IN (SELECT guid FROM removed)",
        [],
    )?;
    Ok(())
}
