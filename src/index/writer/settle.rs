//! The settling of identities once every card of a build is stored: the
//! cards that vanished paired with the ones that appeared (keeping their
//! GUIDs), removed, or made new, as the events `build -v` reports.

use rusqlite::{params, OptionalExtension};

use super::Writer;
use crate::identity::{self, pairing};
use crate::japanese::fold;

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

impl Writer<'_> {
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
            if let Some(guid) = &old.guid {
                self.touch(guid)?;
            }
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
            if let Some(guid) = &old.guid {
                self.touch(guid)?;
            }
            events.push(old.event(Outcome::Removed));
        }
        for new in appeared.iter().zip(&paired_appeared).filter(|(_, &p)| !p) {
            let new = new.0;
            match &new.guid {
                Some(guid) => self.touch(guid)?,
                None => {
                    let guid = self.new_guid(&new.key)?;
                    self.tx
                        .prepare_cached("UPDATE cards SET guid = ?2 WHERE id = ?1")?
                        .execute(params![new.id, guid])?;
                    self.touch(&guid)?;
                }
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
