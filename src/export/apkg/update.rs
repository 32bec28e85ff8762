//! A kept collection brought up to date row by row: the notes a build
//! changed or removed deleted, the changed ones inserted again with their
//! cards, `col` rewritten. SQLite keeps Anki's indexes up to date itself.
//!
//! Notes and cards are found by the ids derived from their GUIDs: a
//! collection is kept only when every id is the derived one (`write`), and
//! an update that would need another (two GUIDs whose ids collide, about
//! one chance in 10^6 at 100,000 notes) stops, and the package is made
//! anew instead.
//!
//! A card that stays keeps its `due`; a new one comes after every other
//! (the largest `due` + 1), as Anki places a card added to a collection,
//! and as it places new cards on import whatever their `due`. So a package
//! updated is not the file a fresh build makes of the same notes (where
//! `due` is each card's place in note order): it imports as the same notes,
//! decks and media, and shows new cards last.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{bail, Context as _};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{
    add_card, card_id, decks_json, in_transaction, models_json_of, NoteRow, ADD_CARD, ADD_NOTE,
};
use crate::card::NoteType;
use crate::export::notetype::{self, derived_id};
use crate::export::Note;

/// Updates the collection at `db_path`: the notes of the GUIDs `gone`
/// removed, `changed` (in note order) put in place of the notes of their
/// GUIDs or added; `decks` are all the decks its cards are in then.
pub(in crate::export) fn update(
    db_path: &Path,
    changed: &[&Note],
    gone: &[String],
    decks: &[String],
) -> anyhow::Result<()> {
    let db = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    // As when it was made: a file stopped half-written no longer has the
    // hash the index records, and is made anew by the next build.
    db.execute_batch(
        "pragma journal_mode = off; pragma synchronous = off; pragma locking_mode = exclusive;",
    )?;
    in_transaction(&db, || apply(&db, changed, gone, decks))
        .context("cannot update the kept collection.anki2")
}

fn apply(
    db: &Connection,
    changed: &[&Note],
    gone: &[String],
    decks: &[String],
) -> anyhow::Result<()> {
    let mut next_due: i64 =
        db.query_row("select coalesce(max(due), 0) + 1 from cards", [], |row| {
            row.get(0)
        })?;
    // The note types of the notes removed: those may have none left.
    let mut types_lost = BTreeSet::new();
    let mut dues: HashMap<&str, HashMap<u32, i64>> = HashMap::new();
    for guid in gone
        .iter()
        .map(String::as_str)
        .chain(changed.iter().map(|n| n.guid))
    {
        if let Some((mid, kept_dues)) = remove_note(db, guid)? {
            types_lost.insert(mid);
            dues.insert(guid, kept_dues);
        }
    }
    let mut add_note = db.prepare(ADD_NOTE)?;
    let mut add = db.prepare(ADD_CARD)?;
    let mut card_taken = db.prepare("select exists (select 1 from cards where id = ?1)")?;
    for note in changed {
        let id = derived_id("note", note.guid);
        NoteRow::new(id, note).insert(&mut add_note)?;
        let kept = dues.get(note.guid);
        for (i, ord) in note.card_ords().into_iter().enumerate() {
            let card = card_id(note.guid, i, ord);
            if card_taken.query_row([card], |row| row.get(0))? {
                bail!("the id of a card of {} is taken", note.guid);
            }
            let due = match kept.and_then(|dues| dues.get(&ord)) {
                Some(&due) => due,
                None => {
                    next_due += 1;
                    next_due - 1
                }
            };
            add_card(
                &mut add,
                card,
                id,
                notetype::deck_id(note.deck),
                ord,
                note,
                due,
            )?;
        }
    }
    rewrite_col(db, changed, types_lost, decks)
}

/// Deletes the note of `guid` and its cards, if the collection has it:
/// returns its note type's id and its cards' `due` by `ord`.
fn remove_note(db: &Connection, guid: &str) -> anyhow::Result<Option<(i64, HashMap<u32, i64>)>> {
    let id = derived_id("note", guid);
    let found: Option<(String, i64)> = db
        .prepare_cached("select guid, mid from notes where id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((there, mid)) = found else {
        return Ok(None);
    };
    if there != guid {
        bail!("the id of the note {guid} is taken by {there}");
    }
    let dues = db
        .prepare_cached("select ord, due from cards where nid = ?1")?
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    db.prepare_cached("delete from cards where nid = ?1")?
        .execute([id])?;
    db.prepare_cached("delete from notes where id = ?1")?
        .execute([id])?;
    Ok(Some((mid, dues)))
}

/// `col` for the notes as they are now: the decks, the note types some
/// note has, and the time of the newest change (which never goes back: a
/// fresh build takes that of the newest note left, which Anki's import
/// does not read).
fn rewrite_col(
    db: &Connection,
    changed: &[&Note],
    types_lost: BTreeSet<i64>,
    decks: &[String],
) -> anyhow::Result<()> {
    let (before, models): (i64, String) =
        db.query_row("select mod, models from col where id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let models: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&models).context("col.models is not JSON")?;
    let mut has_note = db.prepare("select exists (select 1 from notes where mid = ?1)")?;
    let mut types: BTreeSet<NoteType> = changed.iter().map(|n| n.note_type).collect();
    for note_type in NoteType::ALL {
        let mid = notetype::definition(note_type).id();
        if types.contains(&note_type) || !models.contains_key(&mid.to_string()) {
            continue;
        }
        // A type no note of which was removed still has its notes.
        if !types_lost.contains(&mid) || has_note.query_row([mid], |row| row.get(0))? {
            types.insert(note_type);
        }
    }
    let newest = changed
        .iter()
        .map(|n| n.changed * 1000)
        .chain([before])
        .max()
        .unwrap_or(before);
    let decks: Vec<&str> = decks.iter().map(String::as_str).collect();
    db.execute(
        "update col set mod = ?1, scm = ?1, models = ?2, decks = ?3 where id = 1",
        rusqlite::params![
            newest,
            models_json_of(types).to_string(),
            decks_json(&decks, newest / 1000).to_string(),
        ],
    )?;
    Ok(())
}
