//! The card store: a card extracted in a build found again by its key and
//! written (or left as it is), with the content hash that tells Anki's
//! changed cards from its unchanged ones.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::Writer;
use crate::card::Card;
use crate::index::front_key;
use crate::japanese::tokens;

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

/// What an index made anew took over of a card of the one before it.
struct Kept {
    guid: String,
    changed: i64,
    /// Of its content then (none from a damaged index that lacked it).
    hash: Option<Vec<u8>>,
}

impl Writer<'_> {
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

    /// Adds a card's tokens to the full-text tables.
    fn index_card(&self, id: i64, card: &PreparedCard) -> anyhow::Result<()> {
        self.index_tokens(
            id,
            &card.front_tokens,
            &card.context_tokens,
            &card.back_tokens,
        )
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
                // A card not yet given its GUID is touched when it gets one.
                self.tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO temp.touched (guid) \
                         SELECT guid FROM cards WHERE id = ?1 AND guid IS NOT NULL",
                    )?
                    .execute([id])?;
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
                if let Some(guid) = guid {
                    self.touch(guid)?;
                }
                Ok(self.tx.last_insert_rowid())
            }
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
