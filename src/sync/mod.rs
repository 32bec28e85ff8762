//! Index → a running Anki over AnkiConnect: adds the new cards, updates the
//! changed ones in place, moves cards whose deck changed (which a package
//! import cannot do), and deletes (or suspends) the notes of removed cards.
//!
//! A sync runs inside a build's transaction, holding the build lock: the
//! index is brought up to date, then Anki. What Anki holds is recorded as it
//! is written (`anki_notes`, `anki_media`), so a second sync sends nothing
//! for cards that did not change. Anki cannot be searched by GUID, and
//! AnkiConnect cannot set one: a card whose note the index does not know
//! (a package import made it, or a stopped sync) is found by its `Key`
//! field before anything is added, so nothing is ever added twice.

mod client;
mod state;

use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::build::{self, BuildOptions, BuildReport};
use crate::export::media::{Media, MediaFile};
use crate::export::notetype::{AFMT, CSS, FIELDS, NOTETYPE_NAME, QFMT};
use crate::export::{key_search, IndexedCard, Note};
pub use client::{AnkiError, Client};
use state::Synced;

/// What `notedeck sync` is asked to do.
pub struct SyncOptions {
    pub build: BuildOptions,
    /// AnkiConnect's address.
    pub url: String,
    /// Suspend and tag the notes of removed cards instead of deleting them.
    pub keep_removed: bool,
}

/// The default address of AnkiConnect.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8765";

/// The tag a removed card's note gets with `--keep-removed`.
pub const REMOVED_TAG: &str = "notedeck::removed";

/// Notes a request carries at most: large enough that 10,000 cards take a
/// few requests, small enough that one stays well under a second.
const BATCH: usize = 500;

/// What a sync did to Anki (or, dry, would do).
#[derive(Debug, Default)]
pub struct SyncReport {
    pub dry_run: bool,
    pub url: String,
    pub added: usize,
    pub updated: usize,
    pub moved: usize,
    pub deleted: usize,
    pub suspended: usize,
    pub media: usize,
    pub unchanged: usize,
    /// One line a note written: `add      deck · front`.
    pub lines: Vec<String>,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let removed = if self.suspended > 0 {
            format!("{} suspended", self.suspended)
        } else {
            format!("{} deleted", self.deleted)
        };
        write!(
            f,
            "{}Anki at {}: {} added, {} updated, {} moved, {removed}, {} media files sent, {} unchanged",
            if self.dry_run { "dry run, nothing sent: " } else { "" },
            self.url,
            self.added,
            self.updated,
            self.moved,
            self.media,
            self.unchanged
        )
    }
}

/// Brings the index up to date (a build), then Anki. Nothing is built or
/// sent when Anki cannot be reached.
pub fn sync(options: &SyncOptions) -> anyhow::Result<(BuildReport, SyncReport)> {
    let client = Client::new(&options.url);
    client.check()?;
    build::build_and(&options.build, |conn, notes| {
        let plan = Plan::make(conn, &client, notes)?;
        let mut report = SyncReport {
            dry_run: options.build.dry_run,
            url: options.url.clone(),
            ..SyncReport::default()
        };
        plan.describe(&mut report, options.keep_removed);
        if !options.build.dry_run {
            plan.apply(conn, &client, options.keep_removed)?;
        }
        Ok(report)
    })
}

/// A card as the note Anki should have.
struct Outgoing {
    guid: String,
    deck: String,
    front: String,
    fields: Vec<(&'static str, String)>,
    tags: Vec<String>,
    /// Of the fields and tags: what `anki_notes` compares.
    hash: Vec<u8>,
}

impl Outgoing {
    fn new(indexed: &IndexedCard, media: &mut Media) -> Self {
        let note = Note::new(indexed, media);
        let fields: Vec<(&'static str, String)> = FIELDS
            .iter()
            .zip(note.fields.iter())
            .map(|(name, value)| (*name, value.to_string()))
            .collect();
        let mut hasher = Sha256::new();
        for (_, value) in &fields {
            hasher.update(value.as_bytes());
            hasher.update([0x1f]);
        }
        for tag in note.tags {
            hasher.update(tag.as_bytes());
            hasher.update([0x1e]);
        }
        Outgoing {
            guid: note.guid.to_string(),
            deck: note.deck.to_string(),
            front: indexed.card.front.clone(),
            tags: note.tags.to_vec(),
            fields,
            hash: hasher.finalize()[..16].to_vec(),
        }
    }

    fn fields_json(&self) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value)))
                .collect(),
        )
    }

    fn synced(&self, nid: i64, deck: &str) -> Synced {
        Synced {
            nid,
            hash: self.hash.clone(),
            deck: deck.to_string(),
        }
    }

    fn line(&self, action: &str) -> String {
        format!("{action:<8} {} · {}", self.deck, self.front)
    }
}

/// A removed card whose note may still be in Anki.
struct Leaving {
    guid: String,
    /// Its note, when Anki has it.
    nid: Option<i64>,
    line: String,
}

/// What a sync will send, worked out from the index and a few reads of Anki.
struct Plan {
    create_model: bool,
    create_decks: Vec<String>,
    media: Vec<MediaFile>,
    add: Vec<Outgoing>,
    /// Notes to update, with their id; `true` when the deck Anki has them
    /// in is not known (found by Key) or not theirs: they are moved too.
    update: Vec<(i64, Outgoing)>,
    /// Notes whose fields are as sent but whose deck changed.
    moves: Vec<(i64, Outgoing)>,
    leave: Vec<Leaving>,
    unchanged: usize,
}

impl Plan {
    fn make(conn: &Connection, client: &Client, notes_root: &Path) -> anyhow::Result<Plan> {
        let create_model = !has_notetype(client)?;
        let in_anki: std::collections::HashSet<i64> = if create_model {
            Default::default()
        } else {
            ids(client.call(
                "findNotes",
                json!({ "query": format!("\"note:{NOTETYPE_NAME}\"") }),
            )?)
            .into_iter()
            .collect()
        };
        let synced = state::synced(conn)?;
        let known = |guid: &str| synced.get(guid).filter(|s| in_anki.contains(&s.nid));

        let mut media = Media::new(notes_root);
        let cards = state::cards(conn)?;
        let outgoing: Vec<Outgoing> = cards.iter().map(|c| Outgoing::new(c, &mut media)).collect();
        let removed = state::removed(conn)?;

        // Notes the index does not know: look for them by Key.
        let unknown: Vec<&str> = outgoing
            .iter()
            .map(|o| o.guid.as_str())
            .chain(removed.iter().map(|r| r.guid.as_str()))
            .filter(|guid| known(guid).is_none())
            .collect();
        let found = if create_model {
            Default::default()
        } else {
            find_by_key(client, &unknown)?
        };

        let mut plan = Plan {
            create_model,
            create_decks: Vec::new(),
            media: Vec::new(),
            add: Vec::new(),
            update: Vec::new(),
            moves: Vec::new(),
            leave: Vec::new(),
            unchanged: 0,
        };
        for card in outgoing {
            match (known(&card.guid), found.get(&card.guid)) {
                (Some(s), _) if s.hash != card.hash => plan.update.push((s.nid, card)),
                (Some(s), _) if s.deck != card.deck => plan.moves.push((s.nid, card)),
                (Some(_), _) => plan.unchanged += 1,
                (None, Some(&nid)) => plan.update.push((nid, card)),
                (None, None) => plan.add.push(card),
            }
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
        let sent = state::media(conn)?;
        plan.media = media
            .files()
            .iter()
            .filter(|f| !sent.contains(&f.name))
            .cloned()
            .collect();
        let decks: std::collections::HashSet<String> =
            serde_json::from_value(client.call("deckNames", json!({}))?).unwrap_or_default();
        let mut wanted: Vec<String> = plan
            .add
            .iter()
            .chain(plan.update.iter().map(|(_, o)| o))
            .chain(plan.moves.iter().map(|(_, o)| o))
            .map(|o| o.deck.clone())
            .filter(|deck| !decks.contains(deck))
            .collect();
        wanted.sort();
        wanted.dedup();
        plan.create_decks = wanted;
        Ok(plan)
    }

    fn describe(&self, report: &mut SyncReport, keep_removed: bool) {
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
        if self.create_model {
            report
                .lines
                .push(format!("create   note type {NOTETYPE_NAME}"));
        }
        for deck in &self.create_decks {
            report.lines.push(format!("create   deck {deck}"));
        }
        report.lines.extend(self.add.iter().map(|o| o.line("add")));
        report
            .lines
            .extend(self.update.iter().map(|(_, o)| o.line("update")));
        report
            .lines
            .extend(self.moves.iter().map(|(_, o)| o.line("move")));
        let verb = if keep_removed { "suspend" } else { "delete" };
        report.lines.extend(
            self.leave
                .iter()
                .filter(|l| l.nid.is_some())
                .map(|l| format!("{verb:<8} {}", l.line)),
        );
    }

    /// Sends the plan, recording in the index what Anki holds after each
    /// request.
    fn apply(self, conn: &Connection, client: &Client, keep_removed: bool) -> anyhow::Result<()> {
        if self.create_model {
            client.call(
                "createModel",
                json!({
                    "modelName": NOTETYPE_NAME,
                    "inOrderFields": FIELDS,
                    "css": CSS,
                    "isCloze": false,
                    "cardTemplates": [{ "Name": "Card 1", "Front": QFMT, "Back": AFMT }],
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
            let data = std::fs::read(&file.path)
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
        let moving: Vec<&(i64, Outgoing)> = self.update.iter().chain(&self.moves).collect();
        for batch in moving.chunks(BATCH) {
            move_notes(conn, client, batch)?;
        }
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

/// Whether Anki has the `notedeck` note type, with every field it needs.
fn has_notetype(client: &Client) -> anyhow::Result<bool> {
    let names: Vec<String> =
        serde_json::from_value(client.call("modelNames", json!({}))?).unwrap_or_default();
    if !names.iter().any(|n| n == NOTETYPE_NAME) {
        return Ok(false);
    }
    let fields: Vec<String> = serde_json::from_value(
        client.call("modelFieldNames", json!({ "modelName": NOTETYPE_NAME }))?,
    )
    .unwrap_or_default();
    let missing: Vec<&str> = FIELDS
        .iter()
        .filter(|f| !fields.iter().any(|have| have == *f))
        .copied()
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "Anki's note type {NOTETYPE_NAME} has no field {}: it comes from an older notedeck; \
             rename it in Anki (Tools › Manage Note Types) and sync again",
            missing.join(", ")
        );
    }
    Ok(true)
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
                let query = format!("\"note:{NOTETYPE_NAME}\" {}", key_search(guid));
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

fn add_notes(conn: &Connection, client: &Client, batch: &[Outgoing]) -> anyhow::Result<()> {
    let notes: Vec<Value> = batch
        .iter()
        .map(|o| {
            json!({
                "deckName": o.deck,
                "modelName": NOTETYPE_NAME,
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

fn update_notes(
    conn: &Connection,
    client: &Client,
    batch: &[(i64, Outgoing)],
) -> anyhow::Result<()> {
    let actions = batch
        .iter()
        .flat_map(|(nid, o)| {
            [
                client::Action::new(
                    "updateNoteFields",
                    json!({ "note": { "id": nid, "fields": o.fields_json() } }),
                ),
                client::Action::new("updateNoteTags", json!({ "note": nid, "tags": o.tags })),
            ]
        })
        .collect();
    each_ok(client.multi(actions)?)?;
    // The deck is recorded once the note is in it (`move_notes`).
    let recorded: Vec<(&str, Synced)> = batch
        .iter()
        .map(|(nid, o)| (o.guid.as_str(), o.synced(*nid, "")))
        .collect();
    state::record_synced(conn, &recorded)
}

fn move_notes(
    conn: &Connection,
    client: &Client,
    batch: &[&(i64, Outgoing)],
) -> anyhow::Result<()> {
    let nids: Vec<i64> = batch.iter().map(|(nid, _)| *nid).collect();
    let cards = cards_of(client, &nids)?;
    let mut by_deck: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for ((_, o), cards) in batch.iter().zip(cards) {
        by_deck.entry(o.deck.as_str()).or_default().extend(cards);
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
        .map(|(nid, o)| (o.guid.as_str(), o.synced(*nid, &o.deck)))
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

/// The ids in a list result.
fn ids(value: Value) -> Vec<i64> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn each_ok(results: Vec<Result<Value, AnkiError>>) -> anyhow::Result<()> {
    for result in results {
        result?;
    }
    Ok(())
}
