//! Sending a plan to Anki, recording in the index what Anki holds after
//! each request, so that a sync stopped at any moment is completed by the
//! next.

use std::io::Read as _;

use anyhow::Context as _;
use base64::Engine as _;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::client::{self, AnkiError, Client};
use super::plan::{InAnki, Leaving, Outgoing, Plan};
use super::retype;
use super::state::{self, Synced};
use super::{ids, BATCH, REMOVED_TAG};
use crate::export::notetype;
use crate::files;

impl Plan {
    /// Sends the plan, recording in the index what Anki holds after each
    /// request.
    pub(super) fn apply(
        self,
        conn: &Connection,
        client: &Client,
        keep_removed: bool,
    ) -> anyhow::Result<()> {
        for definition in &self.create_models {
            let templates: Vec<Value> = definition
                .templates
                .iter()
                .map(|t| json!({ "Name": t.name, "Front": t.qfmt, "Back": t.afmt }))
                .collect();
            client.call(
                "createModel",
                json!({
                    "modelName": definition.name,
                    "inOrderFields": definition.fields,
                    "css": definition.css,
                    "isCloze": definition.is_cloze(),
                    "cardTemplates": templates,
                }),
            )?;
        }
        each_ok(
            client.multi(
                self.create_decks
                    .iter()
                    .map(|deck| client::Action::new("createDeck", json!({ "deck": deck })))
                    .collect(),
            )?,
        )?;
        for file in &self.media {
            let mut data = Vec::new();
            files::open_regular_no_link(&file.path)
                .and_then(|mut source| source.read_to_end(&mut data))
                .with_context(|| format!("{}: cannot read", file.path.display()))?;
            client.call(
                "storeMediaFile",
                json!({
                    "filename": file.name,
                    "data": base64::engine::general_purpose::STANDARD.encode(data),
                }),
            )?;
            state::record_media(conn, &file.name)?;
        }
        for batch in self.add.chunks(BATCH) {
            add_notes(conn, client, batch)?;
        }
        for batch in self.update.chunks(BATCH / 2) {
            update_notes(conn, client, batch)?;
        }
        // Notes updated are put in their deck too: their deck may have
        // changed, or be unknown (found by Key).
        let moving: Vec<&InAnki> = self
            .update
            .iter()
            .filter(|n| n.misplaced())
            .chain(&self.moves)
            .collect();
        for batch in moving.chunks(BATCH) {
            move_notes(conn, client, batch)?;
        }
        // Once their new notes are in Anki: the history of the notes whose
        // type changed, then the old notes.
        retype::carry_over(client, &self.retype)?;
        let leaving: Vec<&Leaving> = self.leave.iter().filter(|l| l.nid.is_some()).collect();
        for batch in leaving.chunks(BATCH) {
            let nids: Vec<i64> = batch.iter().filter_map(|l| l.nid).collect();
            if keep_removed {
                let cards = cards_of(client, &nids)?;
                client.call("suspend", json!({ "cards": cards.concat() }))?;
                client.call("addTags", json!({ "notes": nids, "tags": REMOVED_TAG }))?;
            } else {
                client.call("deleteNotes", json!({ "notes": nids }))?;
            }
            let guids: Vec<&str> = batch.iter().map(|l| l.guid.as_str()).collect();
            state::record_removed(conn, &guids)?;
        }
        // Removed cards whose notes Anki no longer has: dealt with.
        let gone: Vec<&str> = self
            .leave
            .iter()
            .filter(|l| l.nid.is_none())
            .map(|l| l.guid.as_str())
            .collect();
        state::record_removed(conn, &gone)?;
        state::forget_strays(conn)
    }
}

fn add_notes(conn: &Connection, client: &Client, batch: &[Outgoing]) -> anyhow::Result<()> {
    let notes: Vec<Value> = batch
        .iter()
        .map(|o| {
            json!({
                "deckName": o.deck,
                "modelName": notetype::definition(o.note_type).name,
                "fields": o.fields_json(),
                "tags": o.tags,
                // Two cards may share a front; the Key tells them apart.
                "options": { "allowDuplicate": true },
            })
        })
        .collect();
    let added = client.call("addNotes", json!({ "notes": notes }))?;
    let added: Vec<Option<i64>> = serde_json::from_value(added).unwrap_or_default();
    let recorded: Vec<(&str, Synced)> = batch
        .iter()
        .zip(&added)
        .filter_map(|(o, nid)| nid.map(|nid| (o.guid.as_str(), o.synced(nid, &o.deck))))
        .collect();
    state::record_synced(conn, &recorded)?;
    if recorded.len() != batch.len() {
        anyhow::bail!(
            "AnkiConnect addNotes: {} of {} notes were not added",
            batch.len() - recorded.len(),
            batch.len()
        );
    }
    Ok(())
}

fn update_notes(conn: &Connection, client: &Client, batch: &[InAnki]) -> anyhow::Result<()> {
    // Tags are taken off and put on, not replaced: only the ones notedeck
    // set change, and the learner's and Anki's own stay.
    let actions = batch
        .iter()
        .flat_map(|n| {
            let fields = client::Action::new(
                "updateNoteFields",
                json!({ "note": { "id": n.nid, "fields": n.card.fields_json() } }),
            );
            let remove = n.tags_to_remove();
            let remove = (!remove.is_empty()).then(|| {
                client::Action::new(
                    "removeTags",
                    json!({ "notes": [n.nid], "tags": remove.join(" ") }),
                )
            });
            let add = (!n.card.tags.is_empty()).then(|| {
                client::Action::new(
                    "addTags",
                    json!({ "notes": [n.nid], "tags": n.card.tags.join(" ") }),
                )
            });
            std::iter::once(fields).chain(remove).chain(add)
        })
        .collect();
    each_ok(client.multi(actions)?)?;
    // The deck where the index knows it; a new one is recorded once the
    // note is in it (`move_notes`).
    let recorded: Vec<(&str, Synced)> = batch
        .iter()
        .map(|n| {
            let deck = n.deck.as_deref().unwrap_or_default();
            (n.card.guid.as_str(), n.card.synced(n.nid, deck))
        })
        .collect();
    state::record_synced(conn, &recorded)
}

fn move_notes(conn: &Connection, client: &Client, batch: &[&InAnki]) -> anyhow::Result<()> {
    let nids: Vec<i64> = batch.iter().map(|n| n.nid).collect();
    let cards = cards_of(client, &nids)?;
    let mut by_deck: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for (n, cards) in batch.iter().zip(cards) {
        by_deck
            .entry(n.card.deck.as_str())
            .or_default()
            .extend(cards);
    }
    each_ok(
        client.multi(
            by_deck
                .into_iter()
                .map(|(deck, cards)| {
                    client::Action::new("changeDeck", json!({ "cards": cards, "deck": deck }))
                })
                .collect(),
        )?,
    )?;
    let recorded: Vec<(&str, Synced)> = batch
        .iter()
        .map(|n| (n.card.guid.as_str(), n.card.synced(n.nid, &n.card.deck)))
        .collect();
    state::record_synced(conn, &recorded)
}

/// The card ids of each note.
fn cards_of(client: &Client, nids: &[i64]) -> anyhow::Result<Vec<Vec<i64>>> {
    let actions = nids
        .iter()
        .map(|nid| client::Action::new("findCards", json!({ "query": format!("nid:{nid}") })))
        .collect();
    client
        .multi(actions)?
        .into_iter()
        .map(|result| Ok(ids(result?)))
        .collect()
}

fn each_ok(results: Vec<Result<Value, AnkiError>>) -> anyhow::Result<()> {
    for result in results {
        result?;
    }
    Ok(())
}
