//! The one transaction of a build: files, cards, identities, removals and
//! the outputs, all made the index's state at once by `commit`. This file
//! holds the transaction and what it records of files, counts and outputs;
//! the card store (`store`), the settling of identities (`settle`) and the
//! search tokens (`fts`) are its submodules.

use std::cell::Cell;
use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::schema;
use crate::card::{IndexedCard, NoteType};
use crate::notes::scan::FileState;

mod fts;
mod settle;
mod store;
#[cfg(test)]
mod tests;

pub use fts::META_TOKENS;
pub use settle::{CardEvent, Outcome};
pub use store::{PreparedCard, Stored};

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

/// What the index's `meta` calls the number of cards (`Writer::card_count`).
const META_CARDS: &str = "cards";

/// ... and the number of cards Anki makes of them (`Writer::anki_card_count`).
const META_ANKI_CARDS: &str = "anki_cards";

impl<'a> Writer<'a> {
    pub(super) fn new(
        tx: rusqlite::Transaction<'a>,
        now: i64,
        migrated: bool,
    ) -> anyhow::Result<Self> {
        tx.execute_batch(schema::BUILD_TABLES)?;
        // Left by the last build on this connection (`watch`): it committed.
        tx.execute("DELETE FROM temp.touched", [])?;
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

    /// Forgets a fact.
    pub fn forget_meta(&self, name: &str) -> anyhow::Result<()> {
        self.tx
            .execute("DELETE FROM meta WHERE name = ?1", [name])?;
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

    /// The cards whose Anki note this build may have changed (new, changed,
    /// moved, renamed), in note order, and the GUIDs of those it removed.
    pub fn touched_cards(&self) -> anyhow::Result<(Vec<IndexedCard>, Vec<String>)> {
        let columns = super::CARD_COLUMNS.replace("cards.back,", "'',");
        // CROSS JOIN: the few touched GUIDs first, each found in `cards`
        // by its unique index.
        let mut stmt = self.tx.prepare(&format!(
            "SELECT {columns} FROM temp.touched t CROSS JOIN cards ON cards.guid = t.guid \
             ORDER BY cards.deck, cards.file, cards.line"
        ))?;
        let cards = stmt
            .query_map([], super::read_card)?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.tx.prepare(
            "SELECT guid FROM temp.touched t \
             WHERE NOT EXISTS (SELECT 1 FROM cards WHERE cards.guid = t.guid) ORDER BY guid",
        )?;
        let gone = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((cards, gone))
    }

    /// The cards of these GUIDs that the index has, in note order.
    pub fn cards_with_guids(&self, guids: &[String]) -> anyhow::Result<Vec<IndexedCard>> {
        let columns = super::CARD_COLUMNS.replace("cards.back,", "'',");
        let mut stmt = self
            .tx
            .prepare_cached(&format!("SELECT {columns} FROM cards WHERE guid = ?1"))?;
        let mut cards = Vec::with_capacity(guids.len());
        for guid in guids {
            cards.extend(stmt.query_row([guid], super::read_card).optional()?);
        }
        sort_in_note_order(&mut cards);
        Ok(cards)
    }

    /// The cards of these note files, in note order.
    pub fn cards_in_files<'f>(
        &self,
        files: impl IntoIterator<Item = &'f String>,
    ) -> anyhow::Result<Vec<IndexedCard>> {
        let columns = super::CARD_COLUMNS.replace("cards.back,", "'',");
        let mut stmt = self
            .tx
            .prepare_cached(&format!("SELECT {columns} FROM cards WHERE file = ?1"))?;
        let mut cards = Vec::new();
        for file in files {
            for card in stmt.query_map([file], super::read_card)? {
                cards.push(card?);
            }
        }
        sort_in_note_order(&mut cards);
        Ok(cards)
    }

    /// Records that this build may have changed the Anki note of `guid`.
    fn touch(&self, guid: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO temp.touched (guid) VALUES (?1)")?
            .execute([guid])?;
        Ok(())
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

    /// Anki updates a note only when its `mod` is strictly newer: a change
    /// within the second of the last one must still be.
    fn newer_than(&self, before: i64) -> i64 {
        self.now.max(before + 1)
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

/// Sorts cards as `cards_to_export` gives them: by deck, file and line.
pub fn sort_in_note_order(cards: &mut [IndexedCard]) {
    cards.sort_by(|a, b| {
        (&a.card.deck, &a.card.file, a.card.line).cmp(&(&b.card.deck, &b.card.file, b.card.line))
    });
}
