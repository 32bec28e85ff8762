//! The one transaction of a build: files, cards, identities, removals and
//! the outputs, all made the index's state at once by `commit`.

use std::cell::Cell;
use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{front_key, front_rowid, schema};
use crate::card::{Card, IndexedCard, NoteType};
use crate::identity::{self, pairing};
use crate::japanese::{fold, tokens};
use crate::notes::scan::FileState;

/// What became of a card stored in this build, before identities settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Unchanged,
    /// Found by its key, with other content.
    Changed,
    /// Found by its key in another file of its deck.
    Moved,
    /// Its key is new to the index: paired or made new by `settle`.
    Appeared,
    /// Another card, in this build or in a file it does not read again,
    /// has the same key (at `file`:`line`); this one was not indexed.
    Duplicate {
        file: String,
        line: usize,
    },
}

/// A card with what the index stores of it worked out: its content hash,
/// its JSON columns and its search tokens. Made away from the connection
/// (a build makes them on its second thread while this one writes), and
/// before the card is known to have changed: tokenizing an unchanged card
/// is wasted, but off the thread that waits on SQLite.
pub struct PreparedCard {
    pub card: Card,
    hash: Vec<u8>,
    front_key: String,
    context_json: String,
    tags_json: String,
    front_tokens: String,
    context_tokens: String,
    back_tokens: String,
}

impl PreparedCard {
    pub fn new(card: Card) -> Self {
        let json = |list: &[String]| {
            serde_json::to_string(list).expect("a list of strings always serializes")
        };
        PreparedCard {
            hash: content_hash(&card),
            front_key: front_key(&card.front),
            context_json: json(&card.context),
            tags_json: json(&card.tags),
            front_tokens: tokens::index_text(&card.front),
            context_tokens: tokens::index_text(&card.context.join("\n")),
            back_tokens: tokens::index_text(&card.back),
            card,
        }
    }
}

/// What a build did to a card, as `build -v` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    /// Same place, other content.
    Changed,
    /// Now in another file or deck, keeping its GUID.
    Moved,
    /// Its front, or the headings and terms above it, were renamed; it keeps
    /// its GUID.
    Renamed,
    Removed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::New => "new",
            Outcome::Changed => "changed",
            Outcome::Moved => "moved",
            Outcome::Renamed => "renamed",
            Outcome::Removed => "removed",
        }
    }
}

/// A card a build changed, where it is now (or was, when removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEvent {
    pub outcome: Outcome,
    /// The deck a moved card left, when it left one.
    pub left_deck: Option<String>,
    pub deck: String,
    pub front: String,
    pub file: String,
    pub line: usize,
}

/// The open transaction of one build.
pub struct Writer<'a> {
    tx: rusqlite::Transaction<'a>,
    /// This build's number: cards it extracts are marked with it, so the
    /// ones left unmarked in the files it read are the vanished ones.
    build: i64,
    /// Whether a card was marked with `build`: only then is the number
    /// recorded (in `builds`), so that a build that changes nothing writes
    /// nothing at all.
    build_marked: Cell<bool>,
    /// Unix seconds: the changed time of new and changed cards.
    now: i64,
    migrated: bool,
    /// The index had no cards, no removed ones and no identities kept from
    /// an older index when this build began: every card that appears is new
    /// and its GUID is its key (see `new_guid`), written with it at once
    /// rather than settled after.
    guid_is_key: bool,
    /// Whether a card was added or removed: `card_count` counts again.
    cards_added_or_removed: Cell<bool>,
    /// Whether a card was rewritten (its note type or gaps may be others):
    /// `anki_card_count` counts again.
    cards_rewritten: Cell<bool>,
}

/// What the index's `meta` calls the version of the tokenizer that made
/// its search tokens (`Writer::reindex_if_tokens_changed`).
pub const META_TOKENS: &str = "tokens";

/// What the index's `meta` calls the number of cards (`Writer::card_count`).
const META_CARDS: &str = "cards";

/// ... and the number of cards Anki makes of them (`Writer::anki_card_count`).
const META_ANKI_CARDS: &str = "anki_cards";

/// What an index made anew took over of a card of the one before it.
struct Kept {
    guid: String,
    changed: i64,
    /// Of its content then (none from a damaged index that lacked it).
    hash: Option<Vec<u8>>,
}

/// A card of `temp.appeared` or `temp.vanished`, as `settle` pairs it.
struct Settling {
    id: i64,
    guid: Option<String>,
    key: String,
    deck: String,
    file: String,
    line: usize,
    front: String,
    context: String,
    back: String,
    hash: Vec<u8>,
    changed: i64,
}

impl<'a> Writer<'a> {
    pub(super) fn new(
        tx: rusqlite::Transaction<'a>,
        now: i64,
        migrated: bool,
    ) -> anyhow::Result<Self> {
        tx.execute_batch(schema::BUILD_TABLES)?;
        // The transaction holds the write lock, so no other build can take
        // the same number.
        let build: i64 =
            tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM builds", [], |row| {
                row.get(0)
            })?;
        let guid_is_key = !migrated
            && tx.query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM cards) AND NOT EXISTS (SELECT 1 FROM removed)",
                [],
                |row| row.get(0),
            )?;
        Ok(Writer {
            tx,
            build,
            build_marked: Cell::new(false),
            now,
            migrated,
            guid_is_key,
            cards_added_or_removed: Cell::new(false),
            cards_rewritten: Cell::new(false),
        })
    }

    /// The transaction, to read the index as this build leaves it.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.tx
    }

    /// Whether the schema was rebuilt from an older version in this build.
    pub fn migrated(&self) -> bool {
        self.migrated
    }

    /// A fact the index records.
    pub fn meta(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .tx
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Records a fact. A value that is already there is not written again: a build that
    /// changes nothing then commits no page, so it writes and syncs no WAL.
    pub fn set_meta(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value \
             WHERE value IS NOT excluded.value",
            [name, value],
        )?;
        Ok(())
    }

    /// Every note file the index knows, by name.
    pub fn known_files(&self) -> anyhow::Result<HashMap<String, FileState>> {
        super::known_files(&self.tx)
    }

    /// Records a file's size, time and hash.
    pub fn set_file(&self, name: &str, state: &FileState) -> anyhow::Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime, hash) VALUES (?1, ?2, ?3, ?4)",
            params![name, state.size, state.mtime, state.hash],
        )?;
        Ok(())
    }

    /// Forgets a file that is gone; `sweep_file` then marks its cards.
    pub fn forget_file(&self, name: &str) -> anyhow::Result<()> {
        self.tx
            .execute("DELETE FROM files WHERE path = ?1", [name])?;
        Ok(())
    }

    /// Stores a card extracted in this build. A card is found again by its
    /// key (`Card::guid` as extraction makes it), wherever it was before.
    ///
    /// A card another file has is moved here only when `may_move(that file)`:
    /// that file is extracted again (or gone) in this build, so it gives the
    /// card up, or the build's sweep would take it away. Otherwise both files
    /// claim one key and this card is the duplicate.
    pub fn store_card(
        &self,
        prepared: &PreparedCard,
        may_move: impl Fn(&str) -> bool,
    ) -> anyhow::Result<Stored> {
        let (card, hash) = (&prepared.card, &prepared.hash);
        let existing: Option<(i64, Vec<u8>, i64, String, i64, usize)> = self
            .tx
            .prepare_cached("SELECT id, hash, seen, file, changed, line FROM cards WHERE key = ?1")?
            .query_row([&card.guid], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            })
            .optional()?;
        match existing {
            Some((_, _, seen, file, _, line))
                if seen == self.build || (file != *card.file && !may_move(&file)) =>
            {
                Ok(Stored::Duplicate { file, line })
            }
            Some((id, old_hash, ..)) if old_hash == *hash => {
                // Only its line moved: nothing Anki shows changed.
                self.tx
                    .prepare_cached("UPDATE cards SET line = ?2, seen = ?3 WHERE id = ?1")?
                    .execute(params![id, card.line, self.mark()])?;
                Ok(Stored::Unchanged)
            }
            Some((id, _, _, file, before, _)) => {
                self.unindex(id)?;
                self.write_card(Some(id), prepared, None, self.newer_than(before))?;
                self.index_card(id, prepared)?;
                Ok(if file == *card.file {
                    Stored::Changed
                } else {
                    Stored::Moved
                })
            }
            None => {
                // A rebuilt index gives back what the old one knew. A card
                // whose content differs from then (other rules, other
                // fields) is changed: Anki must see it.
                if let Some(kept) = self.kept(&card.guid)? {
                    let same = kept.hash.as_deref() == Some(hash.as_slice());
                    let changed = if same {
                        kept.changed
                    } else {
                        self.newer_than(kept.changed)
                    };
                    let id = self.write_card(None, prepared, Some(&kept.guid), changed)?;
                    self.index_card(id, prepared)?;
                    return Ok(if same {
                        Stored::Unchanged
                    } else {
                        Stored::Changed
                    });
                }
                let id = self.write_card(None, prepared, None, self.now)?;
                self.index_card(id, prepared)?;
                self.tx
                    .prepare_cached("INSERT INTO temp.appeared (id) VALUES (?1)")?
                    .execute([id])?;
                Ok(Stored::Appeared)
            }
        }
    }

    /// Anki updates a note only when its `mod` is strictly newer: a change
    /// within the second of the last one must still be.
    fn newer_than(&self, before: i64) -> i64 {
        self.now.max(before + 1)
    }

    /// Adds a card's tokens to the full-text tables.
    fn index_card(&self, id: i64, card: &PreparedCard) -> anyhow::Result<()> {
        self.index_tokens(
            id,
            &card.front_tokens,
            &card.context_tokens,
            &card.back_tokens,
        )
    }

    fn index_tokens(&self, id: i64, front: &str, context: &str, back: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO cards_fts (rowid, front, context, back) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, front, context, back])?;
        self.tx
            .prepare_cached("INSERT INTO temp.new_fronts (rowid, front) VALUES (?1, ?2)")?
            .execute(params![front_rowid(id, front), front])?;
        Ok(())
    }

    /// Makes every card's search tokens and front key again when another
    /// version of the tokenizer made them (`tokens::VERSION`), before this
    /// build changes any card: their text, GUIDs and outputs stay as they are.
    pub fn reindex_if_tokens_changed(&self) -> anyhow::Result<()> {
        let version = tokens::VERSION.to_string();
        if self.meta(META_TOKENS)?.as_deref() == Some(&version) {
            return Ok(());
        }
        self.tx.execute_batch(
            "INSERT INTO cards_fts (cards_fts) VALUES ('delete-all');
             INSERT INTO fronts_fts (fronts_fts) VALUES ('delete-all');
             DELETE FROM temp.new_fronts;",
        )?;
        let mut cards = self
            .tx
            .prepare("SELECT id, front, context, back, front_key FROM cards")?;
        let mut rows = cards.query([])?;
        // The fronts compared with queries fold alike too: rewritten once
        // the cards are read, not while they are.
        let mut front_keys = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, front): (i64, String) = (row.get(0)?, row.get(1)?);
            let context: Vec<String> = serde_json::from_str(&row.get::<_, String>(2)?)?;
            self.index_tokens(
                id,
                &tokens::index_text(&front),
                &tokens::index_text(&context.join("\n")),
                &tokens::index_text(&row.get::<_, String>(3)?),
            )?;
            let key = front_key(&front);
            if key != row.get::<_, String>(4)? {
                front_keys.push((id, key));
            }
        }
        for (id, key) in front_keys {
            self.tx
                .prepare_cached("UPDATE cards SET front_key = ?2 WHERE id = ?1")?
                .execute(params![id, key])?;
        }
        self.set_meta(META_TOKENS, &version)
    }

    /// Removes a card's tokens from the full-text tables, while its row
    /// still has the front they were made from.
    fn unindex(&self, id: i64) -> anyhow::Result<()> {
        let front: String = self
            .tx
            .prepare_cached("SELECT front FROM cards WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        let rowid = front_rowid(id, &tokens::index_text(&front));
        self.tx
            .prepare_cached("DELETE FROM cards_fts WHERE rowid = ?1")?
            .execute([id])?;
        // Indexed in this build, its front is still waiting for the commit.
        self.tx
            .prepare_cached("DELETE FROM temp.new_fronts WHERE rowid = ?1")?
            .execute([rowid])?;
        self.tx
            .prepare_cached("DELETE FROM fronts_fts WHERE rowid = ?1")?
            .execute([rowid])?;
        Ok(())
    }

    /// The GUID, changed time and content hash an older (or damaged) index
    /// had for this key, when this build made the index anew.
    fn kept(&self, key: &str) -> anyhow::Result<Option<Kept>> {
        if !self.migrated {
            return Ok(None);
        }
        Ok(self
            .tx
            .prepare_cached("SELECT guid, changed, hash FROM temp.kept WHERE key = ?1")?
            .query_row([key], |row| {
                Ok(Kept {
                    guid: row.get(0)?,
                    changed: row.get(1)?,
                    hash: row.get(2)?,
                })
            })
            .optional()?)
    }

    /// Writes a card's row: a new one (with `guid`, or none yet) when `id`
    /// is `None`. Plain INSERT and UPDATE, not INSERT OR REPLACE: a
    /// statement that may write several rows opens a savepoint, and every
    /// savepoint makes FTS5 flush its pending tokens into a new segment,
    /// which then costs merges (tens of times slower).
    fn write_card(
        &self,
        id: Option<i64>,
        prepared: &PreparedCard,
        guid: Option<&str>,
        changed: i64,
    ) -> anyhow::Result<i64> {
        let card = &prepared.card;
        let values = params![
            card.file,
            card.line,
            card.kind.as_str(),
            card.front,
            prepared.front_key,
            card.back,
            card.back_html,
            prepared.context_json,
            prepared.tags_json,
            prepared.hash,
            changed,
            self.mark(),
            card.deck,
            card.guid,
            card.note_type.as_str(),
        ];
        match id {
            Some(id) => {
                self.cards_rewritten.set(true);
                self.tx
                    .prepare_cached(
                        "UPDATE cards SET file = ?1, line = ?2, kind = ?3, front = ?4, front_key = ?5, \
                         back = ?6, back_html = ?7, context = ?8, tags = ?9, hash = ?10, changed = ?11, \
                         seen = ?12, deck = ?13, key = ?14, note_type = ?15 WHERE id = ?16",
                    )?
                    .execute(rusqlite::params_from_iter(
                        values.iter().copied().chain([&id as &dyn rusqlite::ToSql]),
                    ))?;
                Ok(id)
            }
            None => {
                self.cards_added_or_removed.set(true);
                let guid = guid.or(self.guid_is_key.then_some(card.guid.as_str()));
                self.tx
                    .prepare_cached(
                        "INSERT INTO cards (file, line, kind, front, front_key, back, back_html, context, \
                         tags, hash, changed, seen, deck, key, note_type, guid) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                    )?
                    .execute(rusqlite::params_from_iter(
                        values.iter().copied().chain([&guid as &dyn rusqlite::ToSql]),
                    ))?;
                Ok(self.tx.last_insert_rowid())
            }
        }
    }

    /// Marks the cards of `file` that this build did not extract again (the
    /// file is gone, or the items are) as vanished. Called once every file is
    /// extracted, so that a card moved to a file read later is not taken for
    /// vanished; `settle` then pairs or removes them.
    pub fn sweep_file(&self, file: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO temp.vanished (id) SELECT id FROM cards WHERE file = ?1 AND seen <> ?2",
            )?
            .execute(params![file, self.build])?;
        Ok(())
    }

    /// Settles the identities of this build: each card that vanished and is
    /// paired with one that appeared (`identity::pairing`) gives it its GUID
    /// and history; the other vanished cards are removed and remembered as
    /// removed; the other appeared cards are new. Returns what happened, in
    /// note order.
    pub fn settle(&self) -> anyhow::Result<Vec<CardEvent>> {
        // Backs are read only to pair: a first build has every card to
        // settle and none to pair.
        let pairing = self.any_in("appeared")? && self.any_in("vanished")?;
        let appeared = self.settling("appeared", pairing)?;
        let vanished = self.settling("vanished", pairing)?;
        let pairs = if !pairing {
            Vec::new()
        } else {
            let candidates = |cards: &[Settling]| -> Vec<pairing::Candidate> {
                cards.iter().map(Settling::candidate).collect()
            };
            pairing::pair(&candidates(&appeared), &candidates(&vanished))
        };
        let mut events = Vec::new();
        let mut paired_appeared = vec![false; appeared.len()];
        let mut paired_vanished = vec![false; vanished.len()];
        for pair in &pairs {
            let (new, old) = (&appeared[pair.appeared], &vanished[pair.vanished]);
            paired_appeared[pair.appeared] = true;
            paired_vanished[pair.vanished] = true;
            self.delete_card(old.id)?;
            let changed = if new.hash == old.hash {
                old.changed
            } else {
                self.newer_than(old.changed)
            };
            self.tx
                .prepare_cached("UPDATE cards SET guid = ?2, changed = ?3 WHERE id = ?1")?
                .execute(params![new.id, old.guid, changed])?;
            let outcome = if new.deck != old.deck || new.file != old.file {
                Some(Outcome::Moved)
            } else if new.front != old.front || new.context != old.context {
                Some(Outcome::Renamed)
            } else if new.hash != old.hash {
                Some(Outcome::Changed)
            } else {
                None
            };
            events.extend(outcome.map(|outcome| CardEvent {
                left_deck: (new.deck != old.deck).then(|| old.deck.clone()),
                ..new.event(outcome)
            }));
        }
        for old in vanished.iter().zip(&paired_vanished).filter(|(_, &p)| !p) {
            let old = old.0;
            self.delete_card(old.id)?;
            self.tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO removed (guid, key, deck, front, file, line, removed) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    old.guid, old.key, old.deck, old.front, old.file, old.line, self.now
                ])?;
            events.push(old.event(Outcome::Removed));
        }
        for new in appeared.iter().zip(&paired_appeared).filter(|(_, &p)| !p) {
            let new = new.0;
            if new.guid.is_none() {
                let guid = self.new_guid(&new.key)?;
                self.tx
                    .prepare_cached("UPDATE cards SET guid = ?2 WHERE id = ?1")?
                    .execute(params![new.id, guid])?;
            }
            events.push(new.event(Outcome::New));
        }
        self.tx
            .execute_batch("DELETE FROM temp.appeared; DELETE FROM temp.vanished;")?;
        events.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Ok(events)
    }

    /// The cards of `temp.appeared` or `temp.vanished`, in note order.
    /// CROSS JOIN keeps the planner reading the (usually few) settling
    /// cards first: to get note order, it would otherwise walk every card
    /// by file, which made a build with nothing to do scan the index.
    /// With `backs` (to pair them), their backs too.
    fn settling(&self, table: &str, backs: bool) -> anyhow::Result<Vec<Settling>> {
        let back = if backs { "c.back" } else { "''" };
        let mut stmt = self.tx.prepare(&format!(
            "SELECT c.id, c.guid, c.key, c.deck, c.file, c.line, c.front, {back}, c.context, c.hash, c.changed \
             FROM temp.{table} t CROSS JOIN cards c ON c.id = t.id ORDER BY c.file, c.line, c.id"
        ))?;
        let rows = stmt.query_map([], |row| {
            Ok(Settling {
                id: row.get(0)?,
                guid: row.get(1)?,
                key: row.get(2)?,
                deck: row.get(3)?,
                file: row.get(4)?,
                line: row.get(5)?,
                front: row.get(6)?,
                back: row.get(7)?,
                context: row.get(8)?,
                hash: row.get(9)?,
                changed: row.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether `temp.appeared` or `temp.vanished` has a card.
    fn any_in(&self, table: &str) -> anyhow::Result<bool> {
        Ok(self.tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM temp.{table})"),
            [],
            |row| row.get(0),
        )?)
    }

    fn delete_card(&self, id: i64) -> anyhow::Result<()> {
        self.cards_added_or_removed.set(true);
        self.unindex(id)?;
        self.tx
            .prepare_cached("DELETE FROM cards WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// The GUID of a card that is new to this build: the one it had when it
    /// was removed, if it comes back; else its key, unless a card keeps that
    /// from an earlier life (or a removed card still holds it in Anki).
    fn new_guid(&self, key: &str) -> anyhow::Result<String> {
        let returning: Option<String> = self
            .tx
            .prepare_cached("SELECT guid FROM removed WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?;
        if let Some(guid) = returning {
            self.tx
                .prepare_cached("DELETE FROM removed WHERE guid = ?1")?
                .execute([&guid])?;
            return Ok(guid);
        }
        let mut guid = key.to_string();
        for attempt in 1.. {
            let taken: bool = self
                .tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM cards WHERE guid = ?1) \
                     OR EXISTS (SELECT 1 FROM removed WHERE guid = ?1)",
                )?
                .query_row([&guid], |row| row.get(0))?;
            if !taken {
                break;
            }
            guid = identity::alternative_guid(key, attempt);
        }
        Ok(guid)
    }

    /// Every deck that has cards, sorted. Each found by one seek in
    /// `cards_by_deck` from the one before, not by reading every card (as
    /// `DISTINCT` would): a rebuild with little to do needs this fast.
    pub fn decks(&self) -> anyhow::Result<Vec<String>> {
        let mut stmt = self.tx.prepare(
            "WITH RECURSIVE decks (deck) AS (
                 SELECT min(deck) FROM cards
                 UNION ALL
                 SELECT (SELECT min(deck) FROM cards WHERE deck > decks.deck) FROM decks
                 WHERE deck IS NOT NULL
             )
             SELECT deck FROM decks WHERE deck IS NOT NULL",
        )?;
        let decks = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(decks)
    }

    /// The cards of one deck, or of every deck, in note order, as the
    /// outputs are made of them: with their back as HTML only. No output
    /// holds the plain-text back, the longest text of a card with the HTML,
    /// and a package of every deck would hold it in memory for each card.
    pub fn cards_to_export(&self, deck: Option<&str>) -> anyhow::Result<Vec<IndexedCard>> {
        let columns = super::CARD_COLUMNS.replace("cards.back,", "'',");
        let mut stmt = self.tx.prepare(&format!(
            "SELECT {columns} FROM cards WHERE ?1 IS NULL OR deck = ?1 ORDER BY deck, file, line"
        ))?;
        let cards = stmt
            .query_map([deck], super::read_card)?
            .collect::<Result<_, _>>()?;
        Ok(cards)
    }

    pub fn has_cards(&self) -> anyhow::Result<bool> {
        Ok(self
            .tx
            .query_row("SELECT EXISTS (SELECT 1 FROM cards)", [], |row| row.get(0))?)
    }

    /// How many cards the index holds. Counting reads an index of every
    /// card, most of what a build with nothing to do would cost: the count
    /// is kept in `meta` and made again only when this build added or
    /// removed cards (or no build kept it yet).
    pub fn card_count(&self) -> anyhow::Result<u64> {
        if !self.cards_added_or_removed.get() {
            if let Some(count) = self.meta(META_CARDS)?.and_then(|n| n.parse().ok()) {
                return Ok(count);
            }
        }
        let count: u64 = self
            .tx
            .query_row("SELECT count(*) FROM cards", [], |row| row.get(0))?;
        self.set_meta(META_CARDS, &count.to_string())?;
        Ok(count)
    }

    /// How many cards Anki makes of the cards the index holds, which are
    /// its notes: two of a reversed one, one a gap of a cloze one, one of
    /// any other. Kept in `meta` as `card_count` is, and counted again when
    /// this build added, removed or rewrote cards.
    pub fn anki_card_count(&self) -> anyhow::Result<u64> {
        let unchanged = !self.cards_added_or_removed.get() && !self.cards_rewritten.get();
        if unchanged {
            if let Some(count) = self.meta(META_ANKI_CARDS)?.and_then(|n| n.parse().ok()) {
                return Ok(count);
            }
        }
        let reversed: u64 = self.tx.query_row(
            "SELECT count(*) FROM cards WHERE note_type = ?1",
            [NoteType::Reversed.as_str()],
            |row| row.get(0),
        )?;
        let mut gaps_past_the_first = 0;
        let mut backs = self
            .tx
            .prepare("SELECT back_html FROM cards WHERE note_type = ?1")?;
        let mut rows = backs.query([NoteType::Cloze.as_str()])?;
        while let Some(row) = rows.next()? {
            let back: String = row.get(0)?;
            gaps_past_the_first += crate::cloze::numbers(&back).len().saturating_sub(1) as u64;
        }
        let count = self.card_count()? + reversed + gaps_past_the_first;
        self.set_meta(META_ANKI_CARDS, &count.to_string())?;
        Ok(count)
    }

    /// The outputs earlier builds made, with whether each is still pending
    /// (its build committed, but was stopped before renaming it into place).
    pub fn outputs(&self) -> anyhow::Result<HashMap<String, bool>> {
        let mut stmt = self.tx.prepare("SELECT name, pending FROM outputs")?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Records the outputs this build writes (pending until renamed into
    /// place) and forgets the ones it removes.
    pub fn record_outputs(&self, written: &[String], removed: &[String]) -> anyhow::Result<()> {
        for name in written {
            self.tx
                .prepare_cached("INSERT OR REPLACE INTO outputs (name, pending) VALUES (?1, 1)")?
                .execute([name])?;
        }
        for name in removed {
            self.tx
                .prepare_cached("DELETE FROM outputs WHERE name = ?1")?
                .execute([name])?;
        }
        Ok(())
    }

    /// Writes the tokens FTS5 holds in memory (up to `hashsize`, 32 MB a
    /// table) to the index now rather than at the commit, freeing their
    /// memory for the outputs, which a build makes next: the whole of a
    /// first build's cards are read then. A savepoint makes FTS5 flush.
    pub fn flush_pending_tokens(&self) -> anyhow::Result<()> {
        self.tx
            .execute_batch("SAVEPOINT flush_tokens; RELEASE flush_tokens;")?;
        Ok(())
    }

    /// This build's number, for a card marked with it.
    fn mark(&self) -> i64 {
        self.build_marked.set(true);
        self.build
    }

    /// Makes the build's changes the index's state, all at once.
    pub fn commit(self) -> anyhow::Result<()> {
        if self.build_marked.get() {
            self.tx
                .execute("INSERT INTO builds (id) VALUES (?1)", [self.build])?;
            self.tx
                .execute("DELETE FROM builds WHERE id < ?1", [self.build])?;
        }
        self.tx.execute_batch(
            "INSERT INTO fronts_fts (rowid, front) SELECT rowid, front FROM temp.new_fronts ORDER BY rowid;
             DELETE FROM temp.new_fronts;",
        )?;
        self.tx.commit()?;
        Ok(())
    }
}

impl Settling {
    /// What pairing compares of the card, folded.
    fn candidate(&self) -> pairing::Candidate {
        let levels: Vec<String> = serde_json::from_str(&self.context).unwrap_or_default();
        pairing::Candidate {
            front: fold(&self.front),
            back: fold(&self.back),
            context: fold(&levels.join("\u{1e}")),
        }
    }

    fn event(&self, outcome: Outcome) -> CardEvent {
        CardEvent {
            outcome,
            left_deck: None,
            deck: self.deck.clone(),
            front: self.front.clone(),
            file: self.file.clone(),
            line: self.line,
        }
    }
}

/// What makes a card's note in Anki (its note type too): a change to any
/// of it is what Anki must see. The file is there because the note's Source field names it; the
/// line is not (it moves with every edit above the card), nor the deck (an
/// import never moves a card between decks).
fn content_hash(card: &Card) -> Vec<u8> {
    let content = (
        &card.front,
        &card.back,
        &card.back_html,
        &card.context,
        &card.tags,
        card.kind,
        &card.file,
    );
    let json = serde_json::to_vec(&content).expect("strings and a unit enum always serialize");
    let mut hasher = Sha256::new().chain_update(json);
    // Only when not basic: the cards of an index made before note types
    // keep their hash, so a migration does not make them all changed.
    if !card.note_type.is_basic() {
        hasher.update(card.note_type.as_str());
    }
    hasher.finalize()[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Kind;
    use crate::index::Index;

    fn card(file: &str, context: &str, front: &str, back: &str) -> Card {
        Card {
            // As extraction keys it: by deck, context and front.
            guid: format!("key:{file}:{context}:{front}"),
            deck: "Deck".into(),
            front: front.into(),
            back: back.into(),
            back_html: back.into(),
            context: vec![context.into()].into(),
            tags: vec![].into(),
            kind: Kind::Term,
            file: file.into(),
            line: 1,
            note_type: Default::default(),
        }
    }

    /// One build: stores `cards`, sweeps `files`, settles; returns what
    /// happened to each card stored and the events.
    fn build(
        index: &mut Index,
        now: i64,
        cards: &[Card],
        files: &[&str],
        may_move: bool,
    ) -> (Vec<Stored>, Vec<(Outcome, String)>) {
        let writer = index.begin(now).unwrap();
        let stored = cards
            .iter()
            .map(|c| {
                writer
                    .store_card(&PreparedCard::new(c.clone()), |_| may_move)
                    .unwrap()
            })
            .collect();
        for file in files {
            writer.sweep_file(file).unwrap();
        }
        let events = writer
            .settle()
            .unwrap()
            .into_iter()
            .map(|e| (e.outcome, e.front))
            .collect();
        writer.commit().unwrap();
        (stored, events)
    }

    fn guid_and_changed(index: &Index, front: &str) -> (String, i64) {
        index
            .connection()
            .query_row(
                "SELECT guid, changed FROM cards WHERE front = ?1",
                [front],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    }

    fn open() -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        (dir, index)
    }

    #[test]
    fn cards_are_new_changed_unchanged_or_removed() {
        let (_dir, mut index) = open();
        let first = [
            card("a.md", "運用", "監視", "見ること"),
            card("a.md", "運用", "通知", "知らせること"),
        ];
        let (stored, events) = build(&mut index, 100, &first, &["a.md"], true);
        assert_eq!(stored, [Stored::Appeared, Stored::Appeared]);
        assert_eq!(
            events,
            [(Outcome::New, "監視".into()), (Outcome::New, "通知".into())]
        );
        let (guid, _) = guid_and_changed(&index, "監視");
        assert_eq!(guid, first[0].guid, "a new card's GUID is its key");

        let second = [card("a.md", "運用", "監視", "見張ること")];
        let (stored, events) = build(&mut index, 200, &second, &["a.md"], true);
        assert_eq!(stored, [Stored::Changed]);
        assert_eq!(events, [(Outcome::Removed, "通知".into())]);
        assert_eq!(guid_and_changed(&index, "監視").1, 200);

        let (stored, events) = build(&mut index, 300, &second, &["a.md"], true);
        assert_eq!((stored, events), (vec![Stored::Unchanged], vec![]));
        assert_eq!(guid_and_changed(&index, "監視").1, 200);
    }

    #[test]
    fn cards_are_exported_as_the_index_has_them_but_the_plain_back() {
        let (_dir, mut index) = open();
        let cards = [
            card("a.md", "親", "監視", "見ること"),
            card("b.md", "", "通知", "知らせ"),
        ];
        build(&mut index, 100, &cards, &["a.md", "b.md"], true);
        let writer = index.begin(200).unwrap();
        let exported = writer.cards_to_export(None).unwrap();
        let indexed = crate::index::cards(writer.connection(), None).unwrap();
        assert_eq!(exported.len(), 2);
        for (exported, indexed) in exported.iter().zip(&indexed) {
            assert_eq!(exported.card.back, "");
            assert_eq!(
                exported.card,
                Card {
                    back: String::new(),
                    ..indexed.card.clone()
                }
            );
            assert_eq!(exported.changed, indexed.changed);
        }
    }

    #[test]
    fn a_change_within_the_same_second_is_still_newer() {
        let (_dir, mut index) = open();
        build(
            &mut index,
            100,
            &[card("a.md", "", "監視", "一")],
            &["a.md"],
            true,
        );
        build(
            &mut index,
            100,
            &[card("a.md", "", "監視", "二")],
            &["a.md"],
            true,
        );
        assert_eq!(
            guid_and_changed(&index, "監視").1,
            101,
            "Anki updates only strictly newer notes"
        );
    }

    #[test]
    fn a_renamed_heading_keeps_the_guid_and_the_content_time_moves() {
        let (_dir, mut index) = open();
        build(
            &mut index,
            100,
            &[card("a.md", "動詞", "食べる", "to eat")],
            &["a.md"],
            true,
        );
        let (guid, _) = guid_and_changed(&index, "食べる");
        let (_, events) = build(
            &mut index,
            200,
            &[card("a.md", "動詞（基本）", "食べる", "to eat")],
            &["a.md"],
            true,
        );
        assert_eq!(events, [(Outcome::Renamed, "食べる".into())]);
        // The context is on the card: Anki must see the change.
        assert_eq!(guid_and_changed(&index, "食べる"), (guid.clone(), 200));

        // Moved to another file: same GUID, reported as moved.
        let (_, events) = build(
            &mut index,
            300,
            &[card("n5/a.md", "動詞（基本）", "食べる", "to eat")],
            &["a.md", "n5/a.md"],
            true,
        );
        assert_eq!(events, [(Outcome::Moved, "食べる".into())]);
        assert_eq!(guid_and_changed(&index, "食べる").0, guid);
    }

    #[test]
    fn a_card_moved_to_a_file_read_first_is_not_removed() {
        let (_dir, mut index) = open();
        let moving = card("b.md", "", "移動", "説明");
        build(
            &mut index,
            100,
            std::slice::from_ref(&moving),
            &["b.md"],
            true,
        );
        // `a.md` now has it (same key); `b.md`, swept after, no longer does.
        let (stored, events) = build(
            &mut index,
            200,
            &[Card {
                file: "a.md".into(),
                ..moving
            }],
            &["a.md", "b.md"],
            true,
        );
        assert_eq!((stored, events), (vec![Stored::Moved], vec![]));
    }

    #[test]
    fn a_key_claimed_by_a_file_not_read_again_stays_there() {
        let (_dir, mut index) = open();
        let claimed = card("a.md", "", "重複", "説明");
        build(
            &mut index,
            100,
            std::slice::from_ref(&claimed),
            &["a.md"],
            true,
        );
        let (stored, events) = build(
            &mut index,
            200,
            &[Card {
                file: "b.md".into(),
                ..claimed
            }],
            &["b.md"],
            false,
        );
        let kept = Stored::Duplicate {
            file: "a.md".into(),
            line: claimed.line,
        };
        assert_eq!((stored, events), (vec![kept], vec![]));
        let file: String = index
            .connection()
            .query_row("SELECT file FROM cards", [], |row| row.get(0))
            .unwrap();
        assert_eq!(file, "a.md");
    }

    fn removed_guids(index: &Index) -> Vec<String> {
        index
            .removed_cards()
            .unwrap()
            .into_iter()
            .map(|c| c.guid)
            .collect()
    }

    #[test]
    fn removed_cards_are_listed_until_forgotten_or_back() {
        let (_dir, mut index) = open();
        let cards = [
            card("a.md", "", "監視", "見ること"),
            card("a.md", "", "通知", "知らせること"),
        ];
        build(&mut index, 100, &cards, &["a.md"], true);
        build(&mut index, 200, &cards[..1], &["a.md"], true);
        assert_eq!(removed_guids(&index), [cards[1].guid.clone()]);
        // A later build keeps the list.
        build(&mut index, 300, &cards[..1], &["a.md"], true);
        assert_eq!(removed_guids(&index), [cards[1].guid.clone()]);
        // The card comes back: it takes its GUID back and leaves the list.
        let (_, events) = build(&mut index, 400, &cards, &["a.md"], true);
        assert_eq!(events, [(Outcome::New, "通知".into())]);
        assert_eq!(guid_and_changed(&index, "通知").0, cards[1].guid);
        assert!(removed_guids(&index).is_empty());
        // Removed again, then dealt with.
        build(&mut index, 500, &cards[..1], &["a.md"], true);
        let listed = removed_guids(&index);
        assert_eq!(index.forget_removed(&listed).unwrap(), 1);
        assert!(removed_guids(&index).is_empty());
    }

    #[test]
    fn a_new_card_never_takes_a_guid_a_renamed_card_keeps() {
        let (_dir, mut index) = open();
        let original = card("a.md", "", "監視", "リソースを継続的に観察すること");
        build(
            &mut index,
            100,
            std::slice::from_ref(&original),
            &["a.md"],
            true,
        );
        // Renamed front, same back: keeps the GUID that is the old key.
        let renamed = card("a.md", "", "モニタリング", "リソースを継続的に観察すること");
        let (_, events) = build(
            &mut index,
            200,
            std::slice::from_ref(&renamed),
            &["a.md"],
            true,
        );
        assert_eq!(events, [(Outcome::Renamed, "モニタリング".into())]);
        assert_eq!(guid_and_changed(&index, "モニタリング").0, original.guid);
        // A new card with the old key gets another GUID.
        let again = card("a.md", "", "監視", "アラームで知らせる仕組み");
        let (_, events) = build(&mut index, 300, &[renamed, again], &["a.md"], true);
        assert_eq!(events, [(Outcome::New, "監視".into())]);
        let (guid, _) = guid_and_changed(&index, "監視");
        assert_ne!(guid, original.guid);
    }
}
