//! What a sync will send, worked out from the index and a few reads of
//! Anki (which note types, decks and notes it has).

use std::path::Path;

use anyhow::Context as _;
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::client::{self, Client};
use super::retype::Retype;
use super::state::{self, Synced};
use super::{ids, SyncReport, BATCH};
use crate::card::IndexedCard;
use crate::card::NoteType;
use crate::export::media::{Media, MediaFile};
use crate::export::notetype::{self, Definition};
use crate::export::remote::RemoteImages;
use crate::export::{key_search, Note};
use crate::index;

/// The Anki search of the notes of every notedeck note type (`notedeck`,
/// `notedeck cloze`, …).
const OUR_NOTES: &str = "\"note:notedeck*\"";

/// A card as the note Anki should have.
pub(super) struct Outgoing {
    pub(super) guid: String,
    pub(super) note_type: NoteType,
    pub(super) deck: String,
    pub(super) front: String,
    pub(super) fields: Vec<(&'static str, String)>,
    pub(super) tags: Vec<String>,
    /// Of the fields and tags: what `anki_notes` compares.
    pub(super) hash: Vec<u8>,
    /// Of the fields alone (`state::fields_hash`).
    pub(super) fields_hash: Vec<u8>,
}

impl Outgoing {
    fn new(indexed: &IndexedCard, media: &mut Media) -> Self {
        let note = Note::new(indexed, media);
        let fields: Vec<(&'static str, String)> = note
            .definition()
            .fields
            .iter()
            .zip(note.fields.iter())
            .map(|(name, value)| (*name, value.to_string()))
            .collect();
        let mut hasher = Sha256::new();
        // Its note type too: a note of another type is made anew.
        if !note.note_type.is_basic() {
            hasher.update(note.note_type.as_str());
        }
        for (_, value) in &fields {
            hasher.update(value.as_bytes());
            hasher.update([0x1f]);
        }
        for tag in note.tags {
            hasher.update(tag.as_bytes());
            hasher.update([0x1e]);
        }
        let fields_hash = state::fields_hash(fields.iter().map(|(_, value)| value.as_str()));
        Outgoing {
            fields_hash,
            guid: note.guid.to_string(),
            note_type: note.note_type,
            deck: note.deck.to_string(),
            front: indexed.card.front.clone(),
            tags: note.tags.to_vec(),
            fields,
            hash: hasher.finalize()[..16].to_vec(),
        }
    }

    pub(super) fn fields_json(&self) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value)))
                .collect(),
        )
    }

    pub(super) fn synced(&self, nid: i64, deck: &str) -> Synced {
        Synced {
            nid,
            hash: self.hash.clone(),
            deck: deck.to_string(),
            tags: Some(self.tags.clone()),
            fields: Some(self.fields_hash.clone()),
        }
    }

    fn line(&self, action: &str) -> String {
        format!("{action:<8} {} · {}", self.deck, self.front)
    }
}

/// A removed card whose note may still be in Anki.
pub(super) struct Leaving {
    pub(super) guid: String,
    /// Its note, when Anki has it.
    pub(super) nid: Option<i64>,
    pub(super) line: String,
}

/// A card whose note Anki has.
pub(super) struct InAnki {
    pub(super) nid: i64,
    pub(super) card: Outgoing,
    /// The deck its cards are in, when the index knows it (not for a note
    /// found by Key).
    pub(super) deck: Option<String>,
    /// The tags the last sync set, when the index knows them: the ones an
    /// update may take off. Every other tag is the learner's or Anki's
    /// (`leech`, `marked`) and stays.
    pub(super) sent_tags: Option<Vec<String>>,
    /// The hash of the fields the last sync sent, when the index knows it.
    pub(super) sent_fields: Option<Vec<u8>>,
}

/// A note changed in the notes and, since the last sync, in Anki too.
pub(super) struct Conflict {
    pub(super) note: InAnki,
    /// Its fields as Anki has them, by name.
    pub(super) anki_fields: serde_json::Map<String, Value>,
}

impl InAnki {
    /// The tags to take off the note: those notedeck set that the card no
    /// longer has.
    pub(super) fn tags_to_remove(&self) -> Vec<&str> {
        self.sent_tags
            .iter()
            .flatten()
            .filter(|tag| !self.card.tags.contains(tag))
            .map(String::as_str)
            .collect()
    }
}

impl InAnki {
    /// Whether its cards must be moved to the card's deck.
    pub(super) fn misplaced(&self) -> bool {
        self.deck.as_deref() != Some(self.card.deck.as_str())
    }
}

/// What a sync will send, worked out from the index and a few reads of Anki.
pub(super) struct Plan {
    /// The note types Anki lacks.
    pub(super) create_models: Vec<&'static Definition>,
    pub(super) create_decks: Vec<String>,
    pub(super) media: Vec<MediaFile>,
    pub(super) add: Vec<Outgoing>,
    /// Notes to update: fields and tags changed, or found by Key with
    /// content unknown. The misplaced ones are moved too.
    pub(super) update: Vec<InAnki>,
    /// Notes whose fields are as sent but whose deck changed.
    pub(super) moves: Vec<InAnki>,
    pub(super) leave: Vec<Leaving>,
    /// Notes of a card whose note type changed: the card is added anew
    /// (or its note of the new type, which a stopped sync added, updated),
    /// its first card's history copied, and the old note deleted.
    pub(super) retype: Vec<Retype>,
    /// Notes to update that were edited in Anki since the last sync: left
    /// as Anki has them unless the user says the notes win.
    pub(super) conflicts: Vec<Conflict>,
    pub(super) unchanged: usize,
}

impl Plan {
    pub(super) fn make(
        conn: &Connection,
        client: &Client,
        notes_root: &Path,
        remote: RemoteImages,
    ) -> anyhow::Result<Plan> {
        let (missing, types) = note_types_in_anki(client)?;
        let synced = state::synced(conn)?;
        let known = |guid: &str| synced.get(guid).filter(|s| types.contains_key(&s.nid));

        let mut media = Media::new(notes_root).with_remote(remote);
        let cards = index::cards(conn, None)?;
        let outgoing: Vec<Outgoing> = cards.iter().map(|c| Outgoing::new(c, &mut media)).collect();
        let removed = index::removed_cards(conn)?;
        // Only the note types the cards use are made.
        let create_models = missing
            .into_iter()
            .filter(|&t| outgoing.iter().any(|o| o.note_type == t))
            .map(notetype::definition)
            .collect();

        // Notes the index does not know: look for them by Key.
        let unknown: Vec<&str> = outgoing
            .iter()
            .map(|o| o.guid.as_str())
            .chain(removed.iter().map(|r| r.guid.as_str()))
            .filter(|guid| known(guid).is_none())
            .collect();
        let found = if types.is_empty() {
            Default::default()
        } else {
            find_by_key(client, &unknown)?
        };

        let mut plan = Plan {
            create_models,
            create_decks: Vec::new(),
            media: Vec::new(),
            add: Vec::new(),
            update: Vec::new(),
            moves: Vec::new(),
            leave: Vec::new(),
            retype: Vec::new(),
            conflicts: Vec::new(),
            unchanged: 0,
        };
        let in_anki = |synced: Option<&Synced>, nid: i64, card| InAnki {
            nid,
            card,
            deck: synced.map(|s| s.deck.clone()),
            sent_tags: synced.and_then(|s| s.tags.clone()),
            sent_fields: synced.and_then(|s| s.fields.clone()),
        };
        let mut retyping = Vec::new();
        for card in outgoing {
            let nid = known(&card.guid)
                .map(|s| s.nid)
                .or_else(|| found.get(&card.guid).copied());
            if let Some(nid) = nid.filter(|nid| types.get(nid) != Some(&card.note_type)) {
                let sent_tags = known(&card.guid).and_then(|s| s.tags.clone());
                retyping.push((nid, sent_tags, card));
                continue;
            }
            match (known(&card.guid), found.get(&card.guid)) {
                (Some(s), _) if s.hash != card.hash => {
                    plan.update.push(in_anki(Some(s), s.nid, card))
                }
                (Some(s), _) if s.deck != card.deck => {
                    plan.moves.push(in_anki(Some(s), s.nid, card))
                }
                (Some(_), _) => plan.unchanged += 1,
                (None, Some(&nid)) => plan.update.push(in_anki(None, nid, card)),
                (None, None) => plan.add.push(card),
            }
        }
        for (retype, card, new) in Retype::plan(client, retyping)? {
            match new {
                Some(nid) => plan.update.push(in_anki(None, nid, card)),
                None => plan.add.push(card),
            }
            plan.retype.push(retype);
        }
        for card in removed {
            let nid = known(&card.guid)
                .map(|s| s.nid)
                .or_else(|| found.get(&card.guid).copied());
            plan.leave.push(Leaving {
                guid: card.guid,
                nid,
                line: format!("{} · {}", card.deck, card.front),
            });
        }
        plan.set_conflicts_aside(client)?;
        let sent = state::media(conn)?;
        plan.media = media
            .files()
            .iter()
            .filter(|f| !sent.contains(&f.name))
            .cloned()
            .collect();
        plan.create_decks = plan.decks_missing_in(client)?;
        Ok(plan)
    }

    /// The decks the notes added, updated or moved go to that Anki lacks.
    fn decks_missing_in(&self, client: &Client) -> anyhow::Result<Vec<String>> {
        let decks: std::collections::HashSet<String> =
            serde_json::from_value(client.call("deckNames", json!({}))?).unwrap_or_default();
        let mut wanted: Vec<String> = self
            .add
            .iter()
            .chain(self.update.iter().chain(&self.moves).map(|n| &n.card))
            .map(|o| o.deck.clone())
            .filter(|deck| !decks.contains(deck))
            .collect();
        wanted.sort();
        wanted.dedup();
        Ok(wanted)
    }

    /// Moves the notes to update whose fields Anki has changed since the
    /// last sync (their hash is no longer the one sent) to `conflicts`.
    fn set_conflicts_aside(&mut self, client: &Client) -> anyhow::Result<()> {
        let nids: Vec<i64> = self
            .update
            .iter()
            .filter(|n| n.sent_fields.is_some())
            .map(|n| n.nid)
            .collect();
        let mut in_anki: std::collections::HashMap<i64, serde_json::Map<String, Value>> =
            Default::default();
        for batch in nids.chunks(BATCH) {
            let infos = client.call("notesInfo", json!({ "notes": batch }))?;
            for info in infos.as_array().into_iter().flatten() {
                let (Some(nid), Some(fields)) =
                    (info["noteId"].as_i64(), info["fields"].as_object())
                else {
                    continue;
                };
                let values = fields
                    .iter()
                    .map(|(name, field)| (name.clone(), field["value"].clone()))
                    .collect();
                in_anki.insert(nid, values);
            }
        }
        let (conflicts, update): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.update).into_iter().partition(|n| {
                let (Some(sent), Some(fields)) = (&n.sent_fields, in_anki.get(&n.nid)) else {
                    return false;
                };
                let now = n
                    .card
                    .fields
                    .iter()
                    .map(|(name, _)| fields.get(*name).and_then(Value::as_str).unwrap_or(""));
                state::fields_hash(now) != *sent
            });
        self.update = update;
        self.conflicts = conflicts
            .into_iter()
            .map(|note| Conflict {
                anki_fields: in_anki.remove(&note.nid).unwrap_or_default(),
                note,
            })
            .collect();
        Ok(())
    }

    /// One line a conflict: `conflict deck · front`.
    pub(super) fn conflict_lines(&self) -> Vec<String> {
        self.conflicts
            .iter()
            .map(|c| c.note.card.line("conflict"))
            .collect()
    }

    /// Writes what Anki has of the conflicting notes, and what the notes
    /// say, to `out/EDITS_FILE` (in place whole, as outputs are): the
    /// learner's edits are never only in a note about to be overwritten.
    pub(super) fn keep_anki_edits(&self, out: &Path) -> anyhow::Result<std::path::PathBuf> {
        let edits: Vec<Value> = self
            .conflicts
            .iter()
            .map(|c| {
                json!({
                    "key": c.note.card.guid,
                    "deck": c.note.card.deck,
                    "front": c.note.card.front,
                    "anki": c.anki_fields,
                    "notes": c.note.card.fields_json(),
                })
            })
            .collect();
        let path = out.join(super::EDITS_FILE);
        let mut temp = tempfile::Builder::new()
            .prefix(crate::export::TEMP_PREFIX)
            .tempfile_in(out)?;
        serde_json::to_writer_pretty(&mut temp, &edits)?;
        temp.persist(&path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(path)
    }

    /// The notes win the conflicts: those notes are updated after all.
    pub(super) fn overwrite_conflicts(&mut self) {
        self.update
            .extend(self.conflicts.drain(..).map(|conflict| conflict.note));
    }

    /// How many notes notedeck keeps in Anki: every card's note Anki has,
    /// and the notes of removed cards still there.
    pub(super) fn managed(&self) -> usize {
        self.update.len()
            + self.conflicts.len()
            + self.moves.len()
            + self.unchanged
            // A resumed one's new note is among the updates.
            + self.retype.iter().filter(|r| !r.resumed).count()
            + self.leave.iter().filter(|l| l.nid.is_some()).count()
    }

    pub(super) fn describe(&self, report: &mut SyncReport, keep_removed: bool) {
        report.added = self.add.len();
        report.updated = self.update.len();
        report.moved = self.moves.len();
        report.media = self.media.len();
        report.unchanged = self.unchanged;
        let leaving = self.leave.iter().filter(|l| l.nid.is_some()).count();
        if keep_removed {
            report.suspended = leaving;
        } else {
            report.deleted = leaving;
        }
        for definition in &self.create_models {
            report
                .lines
                .push(format!("create   note type {}", definition.name));
        }
        for deck in &self.create_decks {
            report.lines.push(format!("create   deck {deck}"));
        }
        report
            .lines
            .extend(self.retype.iter().map(|r| r.line.clone()));
        report.lines.extend(self.add.iter().map(|o| o.line("add")));
        report
            .lines
            .extend(self.update.iter().map(|n| n.card.line("update")));
        report
            .lines
            .extend(self.moves.iter().map(|n| n.card.line("move")));
        let verb = if keep_removed { "suspend" } else { "delete" };
        report.lines.extend(
            self.leave
                .iter()
                .filter(|l| l.nid.is_some())
                .map(|l| format!("{verb:<8} {}", l.line)),
        );
    }
}

/// The note types Anki lacks, and the type of each note of the others
/// (whose fields are checked to be notedeck's).
fn note_types_in_anki(
    client: &Client,
) -> anyhow::Result<(Vec<NoteType>, std::collections::HashMap<i64, NoteType>)> {
    let models: Vec<String> =
        serde_json::from_value(client.call("modelNames", json!({}))?).unwrap_or_default();
    let mut missing = Vec::new();
    let mut types = std::collections::HashMap::new();
    for note_type in NoteType::ALL {
        let definition = notetype::definition(note_type);
        if !models.iter().any(|name| name == definition.name) {
            missing.push(note_type);
            continue;
        }
        check_fields(client, definition)?;
        let query = format!("\"note:{}\"", definition.name);
        for nid in ids(client.call("findNotes", json!({ "query": query }))?) {
            types.insert(nid, note_type);
        }
    }
    Ok((missing, types))
}

/// Checks that Anki's note type of `definition`'s name has every field it
/// needs.
fn check_fields(client: &Client, definition: &Definition) -> anyhow::Result<()> {
    let name = definition.name;
    let fields: Vec<String> =
        serde_json::from_value(client.call("modelFieldNames", json!({ "modelName": name }))?)
            .unwrap_or_default();
    let missing: Vec<&str> = definition
        .fields
        .iter()
        .filter(|f| !fields.iter().any(|have| have == *f))
        .copied()
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "Anki's note type {name} has no field {}: it comes from an older notedeck; \
             rename it in Anki (Tools › Manage Note Types) and sync again",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Note ids of notes whose `Key` field is one of `guids`, by GUID.
fn find_by_key(
    client: &Client,
    guids: &[&str],
) -> anyhow::Result<std::collections::HashMap<String, i64>> {
    let mut found = std::collections::HashMap::new();
    for batch in guids.chunks(BATCH) {
        let actions = batch
            .iter()
            .map(|guid| {
                let query = format!("{OUR_NOTES} {}", key_search(guid));
                client::Action::new("findNotes", json!({ "query": query }))
            })
            .collect();
        for (guid, result) in batch.iter().zip(client.multi(actions)?) {
            if let Some(&nid) = ids(result?).iter().min() {
                found.insert(guid.to_string(), nid);
            }
        }
    }
    Ok(found)
}
