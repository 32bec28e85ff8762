//! The legacy Anki package: a zip of `collection.anki2` (SQLite, schema 11),
//! `media` (JSON: zip entry `0`, `1`, … → file name) and the media files.
//!
//! The collection is built in a file the build keeps in OUT (`kept`): the
//! next build updates it row by row (`update`) and zips it, taking over the
//! deflated pieces that did not change (`pieces`).
//!
//! Schema 11 with no `meta` entry is what every client imports, AnkiDroid and
//! AnkiMobile included. Nothing here reads the clock: ids derive from names
//! and GUIDs, and each note's `mod` is the time its card last changed, so
//! Anki's default "update if newer" updates exactly the changed notes.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc;

use anyhow::Context as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use rawzip::time::UtcDateTime;
use rawzip::{CompressionMethod, DataDescriptorOutput, ZipArchiveWriter};
use rusqlite::{params, Connection};
use sha1::{Digest, Sha1};

use super::deflate::{Deflated, Deflater, PieceOut};
use super::media::MediaFile;
use super::notetype::{self, derived_id};
use super::pieces;
use super::Note;
use crate::card::NoteType;

mod update;

pub(super) use update::update;

/// Anki's schema 11 tables (rslib `storage/schema11.sql`), the ones a legacy
/// collection has.
const SCHEMA: &str = "
create table col (id integer primary key, crt integer not null, mod integer not null,
  scm integer not null, ver integer not null, dty integer not null, usn integer not null,
  ls integer not null, conf text not null, models text not null, decks text not null,
  dconf text not null, tags text not null);
create table notes (id integer primary key, guid text not null, mid integer not null,
  mod integer not null, usn integer not null, tags text not null, flds text not null,
  sfld integer not null, csum integer not null, flags integer not null, data text not null);
create table cards (id integer primary key, nid integer not null, did integer not null,
  ord integer not null, mod integer not null, usn integer not null, type integer not null,
  queue integer not null, due integer not null, ivl integer not null, factor integer not null,
  reps integer not null, lapses integer not null, left integer not null, odue integer not null,
  odid integer not null, flags integer not null, data text not null);
create table revlog (id integer primary key, cid integer not null, usn integer not null,
  ease integer not null, ivl integer not null, lastIvl integer not null,
  factor integer not null, time integer not null, type integer not null);
create table graves (usn integer not null, oid integer not null, type integer not null);
";

/// Anki's indexes (rslib `storage/schema11.sql`), built once all rows are in:
/// one sort each is cheaper than keeping them up to date row by row (the
/// checksum index, in random order, most of all).
const INDEXES: [&str; 7] = [
    "create index ix_notes_usn on notes (usn)",
    "create index ix_notes_csum on notes (csum)",
    "create index ix_cards_usn on cards (usn)",
    "create index ix_revlog_usn on revlog (usn)",
    "create index ix_cards_nid on cards (nid)",
    "create index ix_cards_sched on cards (did, queue, due)",
    "create index ix_revlog_cid on revlog (cid)",
];

/// Where SQLite locks its file (the pending byte, at 1 GiB): on Windows no
/// other handle can read there while the connection is open, so what lies
/// past it is deflated once the collection is closed.
const SQLITE_LOCK_BYTES: u64 = 1 << 30;

/// Collection creation time: fixed, so that a rebuild of unchanged notes is
/// the same package. Anki does not carry it over on import.
const COLLECTION_CREATED: i64 = 1_700_000_000;

/// Writes the package for `notes` into `out`, building its collection anew
/// in the empty file at `db_path` (kept for the next build, see `update`).
/// Returns the collection's pieces as deflated, if the collection can be
/// updated: when every note and card has the id derived from its GUID,
/// which is how `update` finds them.
pub(super) fn write(
    out: &mut File,
    db_path: &Path,
    notes: &[Note],
    media: &[MediaFile],
) -> anyhow::Result<Option<Vec<PieceOut>>> {
    std::thread::scope(|scope| {
        let mut deflater = Deflater::start(scope, db_path);
        let updatable = write_collection(&Connection::open(db_path)?, notes, &mut deflater)
            .context("cannot build collection.anki2")?;
        let deflated = write_zip(out, |entry| Ok(deflater.finish(entry)?), media)?;
        Ok(updatable.then_some(deflated.pieces))
    })
}

/// Writes the package of the collection at `db_path` as it is (one
/// `update` made) into `out`, taking over from the package in place at
/// `previous` the deflated pieces that did not change (`pieces`); returns
/// the new record of the pieces.
pub(super) fn write_as_is(
    out: &mut File,
    db_path: &Path,
    previous: &Path,
    recorded: &[pieces::Recorded],
    media: &[MediaFile],
) -> anyhow::Result<Vec<pieces::Recorded>> {
    let mut record = Vec::new();
    write_zip(
        out,
        |entry| {
            let (deflated, pieces) = pieces::deflate_reusing(db_path, previous, recorded, entry)?;
            record = pieces;
            Ok(deflated)
        },
        media,
    )?;
    Ok(record)
}

/// Builds the collection, handing `deflater` the part of its file that is
/// final before the end. Returns whether every id is the derived one.
fn write_collection(
    db: &Connection,
    notes: &[Note],
    deflater: &mut Deflater,
) -> anyhow::Result<bool> {
    // The file is thrown away on failure: no journal, no syncs, no locks
    // taken and released around each statement. 16 KiB pages (any size from
    // 512 B to 64 KiB is valid for every SQLite, hence every Anki client)
    // hold about 30 notes: fewer pages to split and write than with 4 KiB.
    db.execute_batch(
        "pragma journal_mode = off; pragma synchronous = off;
         pragma locking_mode = exclusive; pragma page_size = 16384;",
    )?;
    db.execute_batch(SCHEMA)?;
    let decks: Vec<&str> = notes
        .iter()
        .map(|n| n.deck)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    in_transaction(db, || insert_col(db, notes, &decks))?;
    // From here on SQLite adds pages after the last one, none being free,
    // and a commit writes them: once committed, the pages of the notes, the
    // cards and each index are final (what comes after only reads them). They
    // are deflated on the other cores while this one builds the rest.
    let final_from = file_size(db)?;
    let deflate_committed = |deflater: &mut Deflater| -> rusqlite::Result<()> {
        deflater.deflate_early(final_from..file_size(db)?.min(SQLITE_LOCK_BYTES));
        Ok(())
    };
    // Rows go in in id order: SQLite appends at the end of each table instead
    // of splitting pages all over a file larger than its cache.
    let ids = Ids::of(notes);
    in_transaction(db, || insert_notes(db, notes, &ids.notes, &ids.notes_by_id))?;
    deflate_committed(deflater)?;
    in_transaction(db, || {
        insert_cards(db, notes, &decks, &ids.notes, &ids.cards)
    })?;
    deflate_committed(deflater)?;
    for index in INDEXES {
        db.execute(index, [])?;
        deflate_committed(deflater)?;
    }
    Ok(!ids.displaced)
}

fn in_transaction(
    db: &Connection,
    change: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    db.execute_batch("begin")?;
    change()?;
    Ok(db.execute_batch("commit")?)
}

/// The size of the collection's file: with no journal, a commit writes every
/// page it changed into the file.
fn file_size(db: &Connection) -> rusqlite::Result<u64> {
    db.query_row(
        "select page_count * page_size from pragma_page_count(), pragma_page_size()",
        [],
        |row| row.get(0),
    )
}

fn insert_col(db: &Connection, notes: &[Note], decks: &[&str]) -> anyhow::Result<()> {
    let newest = notes
        .iter()
        .map(|n| n.changed)
        .max()
        .unwrap_or(COLLECTION_CREATED);
    db.execute(
        "insert into col values (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
        params![
            COLLECTION_CREATED,
            newest * 1000,
            conf_json(notetype::definition(NoteType::Basic).id()).to_string(),
            models_json(notes).to_string(),
            decks_json(decks, newest).to_string(),
            dconf_json().to_string(),
        ],
    )?;
    Ok(())
}

/// `col.models`: the basic note type, and each other one a note has.
fn models_json(notes: &[Note]) -> serde_json::Value {
    models_json_of(notes.iter().map(|n| n.note_type))
}

/// `col.models` of the notes of these types: the basic one, and these.
fn models_json_of(types: impl IntoIterator<Item = NoteType>) -> serde_json::Value {
    let used: std::collections::BTreeSet<NoteType> =
        std::iter::once(NoteType::Basic).chain(types).collect();
    serde_json::Value::Object(
        used.into_iter()
            .map(notetype::definition)
            .map(|d| (d.id().to_string(), d.json()))
            .collect(),
    )
}

/// The id of a note's card `ord`, the `i`th of its cards: the first has
/// the id of the GUID alone (the one card of a basic note), the others (a
/// reversed card, more gaps) that of the GUID and their `ord`.
fn card_id(guid: &str, i: usize, ord: u32) -> i64 {
    if i == 0 {
        derived_id("card", guid)
    } else {
        derived_id("card", &format!("{guid}\x1f{ord}"))
    }
}

/// A card of a note: which note, its template number, its id.
#[derive(Clone, Copy)]
struct CardRow {
    note: usize,
    ord: u32,
    id: i64,
}

/// The ids of the notes and their cards, derived from their GUIDs.
struct Ids {
    /// Each note's, in the notes' order.
    notes: Vec<i64>,
    /// The notes' indexes in id order.
    notes_by_id: Vec<usize>,
    /// The cards in id order.
    cards: Vec<CardRow>,
    /// Whether an id collided and another was taken instead.
    displaced: bool,
}

impl Ids {
    /// Each note's and card's id derived from its GUID (`card_id`).
    fn of(notes: &[Note]) -> Self {
        // The hashes of the GUIDs, most of the work, on every core.
        let mut derived = vec![(0, 0); notes.len()];
        super::fill_on_every_core(&mut derived, notes, |ids, note| {
            *ids = (derived_id("note", note.guid), derived_id("card", note.guid));
        });
        let mut cards = Vec::with_capacity(notes.len());
        for (note, (n, &(_, first_card))) in notes.iter().zip(&derived).enumerate() {
            for (i, ord) in n.card_ords().into_iter().enumerate() {
                let id = if i == 0 {
                    first_card
                } else {
                    card_id(n.guid, i, ord)
                };
                cards.push(CardRow { note, ord, id });
            }
        }
        let mut note_ids: Vec<i64> = derived.iter().map(|&(note, _)| note).collect();
        let (notes_by_id, notes_displaced) = unique_in_order(&mut note_ids);
        let mut card_ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
        let (cards_by_id, cards_displaced) = unique_in_order(&mut card_ids);
        let cards = cards_by_id
            .into_iter()
            .map(|i| CardRow {
                id: card_ids[i],
                ..cards[i]
            })
            .collect();
        Ids {
            notes: note_ids,
            notes_by_id,
            cards,
            displaced: notes_displaced || cards_displaced,
        }
    }
}

/// Makes `ids` unique and returns their indexes in id order, and whether
/// any was changed. Ids derived from GUIDs can, rarely, collide: each one
/// taken by an id before it takes the next free one (deterministic for the
/// same notes in the same order).
fn unique_in_order(ids: &mut [i64]) -> (Vec<usize>, bool) {
    let by_id = |ids: &[i64]| {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_unstable_by_key(|&i| ids[i]);
        order
    };
    let order = by_id(ids);
    // In id order two equal ids are neighbours: no set of the ids is needed
    // unless some collide.
    if order.windows(2).all(|pair| ids[pair[0]] != ids[pair[1]]) {
        return (order, false);
    }
    let mut taken = HashSet::with_capacity(ids.len());
    for id in ids.iter_mut() {
        while !taken.insert(*id) {
            *id += 1;
        }
    }
    (by_id(ids), true)
}

/// Notes sent at a time from the thread that prepares them to the one that
/// inserts them.
const NOTE_BATCH: usize = 256;

/// Inserts the notes in `order`. Their text (fields joined, tags, sort field,
/// checksum) is prepared on a second thread while this one inserts: the two
/// take about as long, and reading the notes in id order, all over memory,
/// is slow.
fn insert_notes(
    db: &Connection,
    notes: &[Note],
    ids: &[i64],
    order: &[usize],
) -> anyhow::Result<()> {
    let mut add_note = db.prepare(ADD_NOTE)?;
    std::thread::scope(|scope| {
        // A few batches ahead at most: the rows are not all held at once.
        let (send, receive) = mpsc::sync_channel::<Vec<NoteRow>>(4);
        // The inserted batches go back to be emptied where their rows were
        // made: freed on this thread, each row's strings would take the
        // allocator's lock of the other thread (glibc's arenas) while it
        // allocates the next rows.
        let (give_back, inserted) = mpsc::channel::<Vec<NoteRow>>();
        scope.spawn(move || {
            for chunk in order.chunks(NOTE_BATCH) {
                let mut batch = inserted.try_recv().unwrap_or_default();
                batch.clear();
                batch.extend(chunk.iter().map(|&i| NoteRow::new(ids[i], &notes[i])));
                // A closed channel means the inserts failed: stop.
                if send.send(batch).is_err() {
                    break;
                }
            }
        });
        for batch in receive {
            for row in &batch {
                row.insert(&mut add_note)?;
            }
            // Once the other thread is done, the send fails and the last
            // batches are freed here.
            let _ = give_back.send(batch);
        }
        Ok(())
    })
}

/// A note's row, its values those of `NoteRow::insert`.
const ADD_NOTE: &str = "insert into notes values (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, ?8, 0, '')";

/// A card's row, its values those of `add_card`.
const ADD_CARD: &str =
    "insert into cards values (?1, ?2, ?3, ?4, ?5, -1, 0, 0, ?6, 0, 0, 0, 0, 0, 0, 0, 0, '')";

/// Inserts a new card of note `nid` with `ADD_CARD`.
fn add_card(
    add: &mut rusqlite::Statement,
    id: i64,
    nid: i64,
    deck_id: i64,
    ord: u32,
    note: &Note,
    due: i64,
) -> rusqlite::Result<()> {
    add.execute(params![id, nid, deck_id, ord, note.changed, due])?;
    Ok(())
}

/// A note's text as the notes table stores it.
struct NoteRow<'a> {
    id: i64,
    note: &'a Note<'a>,
    fields: String,
    tags: String,
    sort_field: String,
    checksum: i64,
}

impl<'a> NoteRow<'a> {
    fn new(id: i64, note: &'a Note<'a>) -> Self {
        let sort_field = strip_html(&note.fields[0]);
        NoteRow {
            id,
            note,
            fields: note.fields.join("\x1f"),
            tags: anki_tags(note.tags),
            checksum: checksum(&sort_field),
            sort_field,
        }
    }

    /// Inserts the row with `ADD_NOTE`.
    fn insert(&self, add: &mut rusqlite::Statement) -> rusqlite::Result<()> {
        add.execute(params![
            self.id,
            self.note.guid,
            self.note.definition().id(),
            self.note.changed,
            self.tags,
            self.fields,
            self.sort_field,
            self.checksum,
        ])?;
        Ok(())
    }
}

/// Anki stores tags space-separated with a space at each end.
fn anki_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    format!(" {} ", tags.join(" "))
}

/// Inserts the new cards of the notes, in the order of `cards`.
fn insert_cards(
    db: &Connection,
    notes: &[Note],
    decks: &[&str],
    note_ids: &[i64],
    cards: &[CardRow],
) -> anyhow::Result<()> {
    let deck_ids: BTreeMap<&str, i64> = decks.iter().map(|d| (*d, notetype::deck_id(d))).collect();
    let mut add = db.prepare(ADD_CARD)?;
    for card in cards {
        let note = &notes[card.note];
        // New cards are shown in the order of the notes: `due` is the position.
        add_card(
            &mut add,
            card.id,
            note_ids[card.note],
            deck_ids[note.deck],
            card.ord,
            note,
            card.note as i64 + 1,
        )?;
    }
    Ok(())
}

/// The entries' time: the earliest a zip can hold (1980-01-01), as nothing
/// here reads the clock.
const ZIP_EPOCH: i64 = 315_532_800;

/// Writes the zip: `collection` writes the collection's entry deflated.
fn write_zip(
    out: &mut File,
    collection: impl FnOnce(&mut dyn Write) -> anyhow::Result<Deflated>,
    media: &[MediaFile],
) -> anyhow::Result<Deflated> {
    let mut zip = ZipArchiveWriter::new(BufWriter::with_capacity(1 << 20, out));
    let time = UtcDateTime::from_unix(ZIP_EPOCH);
    let (mut entry, _) = zip
        .new_file("collection.anki2")
        .compression_method(CompressionMethod::DEFLATE)
        .last_modified(time)
        .start()?;
    let collection = collection(&mut entry).context("cannot compress collection.anki2")?;
    entry.finish(DataDescriptorOutput::new(collection.crc32, collection.size))?;

    let map: BTreeMap<String, &str> = media
        .iter()
        .enumerate()
        .map(|(i, m)| (i.to_string(), m.name.as_str()))
        .collect();
    let (mut entry, config) = zip
        .new_file("media")
        .compression_method(CompressionMethod::DEFLATE)
        .last_modified(time)
        .start()?;
    let mut writer = config.wrap(DeflateEncoder::new(&mut entry, Compression::new(1)));
    writer.write_all(serde_json::to_string(&map)?.as_bytes())?;
    let (encoder, descriptor) = writer.finish()?;
    encoder.finish()?;
    entry.finish(descriptor)?;

    for (i, file) in media.iter().enumerate() {
        let mut source = crate::files::open_regular_no_link(&file.path)
            .with_context(|| format!("cannot read {}", file.path.display()))?;
        // Stored: images are compressed already.
        let (mut entry, config) = zip
            .new_file(i.to_string())
            .compression_method(CompressionMethod::STORE)
            .last_modified(time)
            .start()?;
        let mut writer = config.wrap(&mut entry);
        io::copy(&mut source, &mut writer)?;
        let (_, descriptor) = writer.finish()?;
        entry.finish(descriptor)?;
    }
    zip.finish()?.flush()?;
    Ok(collection)
}

/// `col.conf`: the collection settings a legacy collection carries.
fn conf_json(mid: i64) -> serde_json::Value {
    serde_json::json!({
        "activeDecks": [1],
        "addToCur": true,
        "collapseTime": 1200,
        "curDeck": 1,
        "curModel": mid.to_string(),
        "dueCounts": true,
        "estTimes": true,
        "newBury": true,
        "newSpread": 0,
        "nextPos": 1,
        "sortBackwards": false,
        "sortType": "noteFld",
        "timeLim": 0,
    })
}

/// `col.decks`: Anki's Default deck, each deck of the notes, and every
/// parent of a nested deck (`a`, `a::b` for `a::b::c`), all with derived ids.
fn decks_json(decks: &[&str], mtime: i64) -> serde_json::Value {
    let mut all = BTreeMap::new();
    all.insert(1, deck_json(1, "Default", mtime));
    for deck in decks {
        let levels: Vec<&str> = deck.split("::").collect();
        for depth in 1..=levels.len() {
            let name = levels[..depth].join("::");
            let id = notetype::deck_id(&name);
            all.entry(id).or_insert_with(|| deck_json(id, &name, mtime));
        }
    }
    serde_json::Value::Object(all.into_iter().map(|(id, d)| (id.to_string(), d)).collect())
}

fn deck_json(id: i64, name: &str, mtime: i64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": name,
        "mod": mtime,
        "usn": -1,
        "lrnToday": [0, 0],
        "revToday": [0, 0],
        "newToday": [0, 0],
        "timeToday": [0, 0],
        "collapsed": false,
        "browserCollapsed": false,
        "desc": "",
        "dyn": 0,
        "conf": 1,
        "extendNew": 0,
        "extendRev": 0,
    })
}

/// `col.dconf`: Anki's default options group, which the decks use.
fn dconf_json() -> serde_json::Value {
    serde_json::json!({
        "1": {
            "id": 1,
            "mod": 0,
            "name": "Default",
            "usn": 0,
            "maxTaken": 60,
            "autoplay": true,
            "timer": 0,
            "replayq": true,
            "dyn": false,
            "new": {
                "bury": false,
                "delays": [1.0, 10.0],
                "initialFactor": 2500,
                "ints": [1, 4, 0],
                "order": 1,
                "perDay": 20,
            },
            "rev": {
                "bury": false,
                "ease4": 1.3,
                "ivlFct": 1.0,
                "maxIvl": 36500,
                "perDay": 200,
                "hardFactor": 1.2,
            },
            "lapse": {
                "delays": [10.0],
                "leechAction": 1,
                "leechFails": 8,
                "minInt": 1,
                "mult": 0.0,
            },
        }
    })
}

/// A field as text, the way Anki derives the sort field and checksum: tags
/// removed (an image leaves its file name), entities decoded.
pub(crate) fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open..open + close + 1];
        if tag.len() > 4 && tag[1..4].eq_ignore_ascii_case("img") {
            if let Some(src) = tag.split(['"', '\'']).nth(1) {
                text.push(' ');
                text.push_str(src);
                text.push(' ');
            }
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    decode_entities(&text)
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let entity = after
            .find(';')
            .filter(|&end| end <= 10)
            .map(|end| &after[..end]);
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => e
                .strip_prefix("#x")
                .or_else(|| e.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e.len() + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Anki's `csum`: the first 8 hex digits of the SHA-1 of the stripped first
/// field, as a number. Anki uses it to find duplicates.
pub(crate) fn checksum(text: &str) -> i64 {
    let digest = Sha1::digest(text.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_html_like_anki() {
        assert_eq!(strip_html("a &lt;b&gt; &amp; <b>c</b>"), "a <b> & c");
        assert_eq!(strip_html(r#"x<img src="nd-1.png">y"#), "x nd-1.png y");
        assert_eq!(
            strip_html("&#26085;&#x672C; &bogus; & a"),
            "日本 &bogus; & a"
        );
        assert_eq!(
            strip_html(&super::super::escape_html("監視 <x> & 'q'")),
            "監視 <x> & 'q'"
        );
    }

    #[test]
    fn checksum_is_first_32_bits_of_sha1() {
        // sha1("") = da39a3ee…
        assert_eq!(checksum(""), 0xda39a3ee);
    }

    #[test]
    fn colliding_ids_take_the_next_free_one_in_order() {
        let mut ids = [5, 3, 5, 6, 3, 9];
        let order = unique_in_order(&mut ids);
        assert_eq!(ids, [5, 3, 6, 7, 4, 9]);
        assert_eq!(order, (vec![1, 4, 0, 2, 3, 5], true));
        let mut distinct = [8, 2, 4];
        assert_eq!(unique_in_order(&mut distinct), (vec![1, 2, 0], false));
        assert_eq!(distinct, [8, 2, 4]);
    }

    #[test]
    fn nested_decks_get_their_parents() {
        let decks = decks_json(&["aws::DOP::X", "aws::Y"], 5);
        let names: HashSet<&str> = decks
            .as_object()
            .unwrap()
            .values()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        let want: HashSet<&str> = ["Default", "aws", "aws::DOP", "aws::DOP::X", "aws::Y"].into();
        assert_eq!(names, want);
    }

    /// A package whose collection was deflated in many pieces, most of them
    /// while it was being built, holds the collection byte for byte, as the
    /// zip crate reads it (Anki's reader, which checks the CRC-32), and its
    /// image as it was.
    #[test]
    fn a_collection_deflated_in_pieces_unzips_whole() {
        use std::io::Read;

        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("collection.anki2");
        let image = MediaFile {
            name: "nd-1.png".into(),
            path: dir.path().join("image.png"),
        };
        std::fs::write(&image.path, b"not really a picture").unwrap();
        let tags = vec!["AWS".to_string()];
        let guids: Vec<String> = (0..500).map(|i| format!("guid-{i}")).collect();
        let notes: Vec<Note> = guids
            .iter()
            .enumerate()
            .map(|(i, guid)| Note {
                guid,
                deck: "親::子",
                file: "a.md",
                tags: &tags,
                changed: 1_750_000_000 + i as i64,
                note_type: NoteType::Basic,
                fields: [
                    format!("用語 {i}").into(),
                    format!("<p>{i} は、監視のために使うサービスです。</p>").into(),
                    "".into(),
                    "a.md".into(),
                    guid.as_str().into(),
                ],
            })
            .collect();
        let mut package = tempfile::tempfile().unwrap();
        std::thread::scope(|scope| {
            let mut deflater = Deflater::with_pieces_of(scope, &db_path, 4096);
            let db = Connection::open(&db_path).unwrap();
            write_collection(&db, &notes, &mut deflater).unwrap();
            write_zip(
                &mut package,
                |entry| Ok(deflater.finish(entry)?),
                std::slice::from_ref(&image),
            )
            .unwrap();
        });
        let collection = std::fs::read(&db_path).unwrap();
        assert!(collection.len() > 20 * 4096, "{}", collection.len());
        let mut zip = zip::ZipArchive::new(package).unwrap();
        let mut read = |name: &str| {
            let mut bytes = Vec::new();
            let mut entry = zip.by_name(name).unwrap();
            entry.read_to_end(&mut bytes).unwrap();
            bytes
        };
        assert!(read("collection.anki2") == collection);
        assert_eq!(read("media"), br#"{"0":"nd-1.png"}"#);
        assert_eq!(read("0"), b"not really a picture");
    }
}
