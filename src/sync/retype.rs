//! A note whose note type changed (`reverse` or `type_in` turned on or
//! off, gaps written into its back or taken out). AnkiConnect cannot change
//! a note's type (no `changeModel`/`updateNoteModel` in the add-on's
//! protocol 6, nor in the server the tests run), so the note is added anew
//! in its new type and its first card's review history and schedule are
//! copied onto the new note's first card (`insertReviews`,
//! `setSpecificValueOfCard`) before the old note is deleted.
//!
//! Every notedeck note type's first card asks the same thing: the front,
//! for the back (typed in, or its first gap for a cloze note). The other
//! cards (a reversed note's back → front, a cloze note's further gaps) have
//! no counterpart in another type: a new one starts new, an old one goes
//! with its note.
//!
//! A sync stopped part-way leaves in Anki the old note and, maybe, the new
//! one, both with the card's Key: nothing is deleted before the copy is
//! complete. The next sync finds the new note (of the new type, by Key)
//! instead of adding another, and copies what is not yet there: a review
//! already copied is not copied again, a schedule only onto a card still
//! new. The index cannot hold that record: a sync's writes to it roll back
//! with the build's transaction when it is stopped.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{json, Value};

use super::client::{Action, Client};
use super::plan::Outgoing;
use super::{ids, BATCH};
use crate::card::NoteType;
use crate::export::key_search;
use crate::export::notetype;

/// A copied review's id, which is its time, cannot be the original's,
/// which Anki keeps (it keeps the log of deleted cards): it is the first id
/// after it that no review this sync knows of has, and after the copy of
/// the card's review before it, so that the order stays. Reviews made in a
/// burst (a card answered after another each millisecond, a reschedule of
/// many cards) push copies a few seconds later; an id taken by a review it
/// cannot see (another deck's, or a deleted card's) is tried again further
/// on, twice as far each time, at most `TRIES` times.
const TRIES: u32 = 16;

/// How long after an original its copy may be: a review of the new card
/// this much later with the same answer is a copy (from a stopped sync).
const WINDOW_MS: i64 = 3_600_000;

/// The scheduling fields of a card copied onto its counterpart, as
/// `setSpecificValueOfCard` names them.
const SCHEDULE_KEYS: [&str; 8] = [
    "type", "queue", "due", "ivl", "factor", "reps", "lapses", "left",
];

/// A card as `cardsInfo` gives it: its place in the note and its schedule.
/// The FSRS memory state is not in it, nor can it be set: Anki computes it
/// from the copied reviews at the card's next review (a card not new and
/// without a memory state, as one moved into an FSRS deck).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Card {
    #[serde(rename = "cardId")]
    id: i64,
    note: i64,
    ord: i64,
    #[serde(rename = "modelName")]
    note_type: String,
    #[serde(rename = "type")]
    kind: i64,
    queue: i64,
    due: i64,
    interval: i64,
    factor: i64,
    reps: i64,
    lapses: i64,
    left: i64,
}

impl Card {
    fn is_new(&self) -> bool {
        self.kind == 0 && self.reps == 0
    }

    fn schedule(&self) -> [i64; 8] {
        [
            self.kind,
            self.queue,
            self.due,
            self.interval,
            self.factor,
            self.reps,
            self.lapses,
            self.left,
        ]
    }
}

/// The first card of a note's cards: the one that asks for the back.
fn first(cards: &[Card]) -> Option<&Card> {
    cards.iter().min_by_key(|c| c.ord)
}

/// A note to make again in another note type.
pub(super) struct Retype {
    pub(super) guid: String,
    /// The note of the old type.
    pub(super) old: i64,
    pub(super) to: NoteType,
    /// The old note's cards as Anki has them.
    cards: Vec<Card>,
    /// The tags the last sync set on the old note, when known: the others
    /// (the learner's, Anki's `leech`) go onto the new note.
    sent_tags: Option<Vec<String>>,
    /// Whether a stopped sync already added the new note: it is updated,
    /// not added again.
    pub(super) resumed: bool,
    pub(super) line: String,
}

impl Retype {
    /// The retyped notes of `cards` (each with the id of its note of the
    /// old type and the tags the last sync set on it), with each one's note
    /// of the new type when a stopped sync left one.
    pub(super) fn plan(
        client: &Client,
        cards: Vec<(i64, Option<Vec<String>>, Outgoing)>,
    ) -> anyhow::Result<Vec<(Retype, Outgoing, Option<i64>)>> {
        let olds: Vec<i64> = cards.iter().map(|(old, _, _)| *old).collect();
        let mut old_cards = HashMap::new();
        for batch in olds.chunks(BATCH) {
            old_cards.extend(cards_by_note(client, batch)?);
        }
        let mut found = Vec::new();
        for batch in cards.chunks(BATCH) {
            let notes = batch
                .iter()
                .map(|(_, _, card)| (card.guid.as_str(), card.note_type));
            found.extend(find_new_notes(client, notes)?);
        }
        Ok(cards
            .into_iter()
            .zip(found)
            .map(|((old, sent_tags, card), new)| {
                let cards = old_cards.remove(&old).unwrap_or_default();
                let retype = Retype {
                    line: describe(&card, &cards),
                    guid: card.guid.clone(),
                    old,
                    to: card.note_type,
                    cards,
                    sent_tags,
                    resumed: new.is_some(),
                };
                (retype, card, new)
            })
            .collect())
    }
}

/// `retype   deck · front (notedeck → notedeck reversed: …)`: what
/// happens to each card's history.
fn describe(card: &Outgoing, cards: &[Card]) -> String {
    let kept = first(cards);
    let names = format!(
        "{} → {}",
        kept.map_or("?", |c| c.note_type.as_str()),
        notetype::definition(card.note_type).name
    );
    let mut parts = Vec::new();
    match kept {
        Some(c) if !c.is_new() => {
            parts.push(format!("card 1 keeps its schedule and {}", reviews(c.reps)))
        }
        _ => parts.push("card 1 was new".to_string()),
    }
    for c in cards.iter().filter(|c| Some(c.id) != kept.map(|k| k.id)) {
        if !c.is_new() {
            parts.push(format!(
                "the old card {} and its {} are deleted",
                c.ord + 1,
                reviews(c.reps)
            ));
        }
    }
    match card.note_type {
        NoteType::Reversed => parts.push("card 2 starts new".to_string()),
        NoteType::Cloze => parts.push("the cards of further gaps start new".to_string()),
        NoteType::Basic | NoteType::TypeIn => {}
    }
    format!(
        "{:<8} {} · {} ({names}: {})",
        "retype",
        card.deck,
        card.front,
        parts.join("; ")
    )
}

fn reviews(count: i64) -> String {
    format!("{count} review{}", if count == 1 { "" } else { "s" })
}

/// Copies each retyped note's first card's reviews and schedule onto its
/// new note's first card, then deletes the old note. The new notes are in
/// Anki (added or updated) by now.
pub(super) fn carry_over(client: &Client, retypes: &[Retype]) -> anyhow::Result<()> {
    // Every review of the cards first: the ids the copies must not take
    // (reviews made in a burst span batches).
    let mut batches = Vec::new();
    let mut taken = HashSet::new();
    for batch in retypes.chunks(BATCH) {
        let found = find_new_notes(client, batch.iter().map(|r| (r.guid.as_str(), r.to)))?;
        let news: Vec<i64> = found.iter().flatten().copied().collect();
        let mut new_cards = cards_by_note(client, &news)?;
        let mut pairs = Vec::new();
        for (retype, new) in batch.iter().zip(&found) {
            let Some(new) = new else {
                anyhow::bail!(
                    "the note of {} in its new note type is not in Anki; its old note was left as it was",
                    retype.guid
                );
            };
            let to = new_cards.remove(new).unwrap_or_default();
            if let (Some(from), Some(to)) = (first(&retype.cards), first(&to)) {
                pairs.push((from.clone(), to.clone()));
            }
        }
        let reviews = reviews_of(client, &pairs)?;
        taken.extend(reviews.values().flatten().map(|r| r.id));
        batches.push((batch, found, pairs, reviews));
    }
    for (batch, found, pairs, reviews) in batches {
        copy_tags(client, batch, &found)?;
        copy_reviews(client, &pairs, reviews, &mut taken)?;
        copy_schedules(client, &pairs)?;
        let olds: Vec<i64> = batch.iter().map(|r| r.old).collect();
        client.call("deleteNotes", json!({ "notes": olds }))?;
    }
    Ok(())
}

/// Puts the tags of each old note that notedeck did not set (the
/// learner's, Anki's `leech` and `marked`) onto its new note.
fn copy_tags(client: &Client, batch: &[Retype], news: &[Option<i64>]) -> anyhow::Result<()> {
    let olds: Vec<i64> = batch.iter().map(|r| r.old).collect();
    let infos = client.call("notesInfo", json!({ "notes": olds }))?;
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for info in infos.as_array().into_iter().flatten() {
        if let (Some(nid), Ok(note_tags)) = (
            info["noteId"].as_i64(),
            serde_json::from_value::<Vec<String>>(info["tags"].clone()),
        ) {
            tags.insert(nid, note_tags);
        }
    }
    let actions = batch
        .iter()
        .zip(news)
        .filter_map(|(retype, new)| {
            let sent = retype.sent_tags.as_deref().unwrap_or_default();
            let theirs: Vec<&str> = tags
                .get(&retype.old)?
                .iter()
                .filter(|tag| !sent.contains(tag))
                .map(String::as_str)
                .collect();
            (!theirs.is_empty()).then(|| {
                Action::new(
                    "addTags",
                    json!({ "notes": [new], "tags": theirs.join(" ") }),
                )
            })
        })
        .collect();
    for result in client.multi(actions)? {
        result?;
    }
    Ok(())
}

/// A review as `getReviewsOfCards` gives it.
#[derive(Debug, Deserialize)]
struct Review {
    id: i64,
    ease: i64,
    ivl: i64,
    #[serde(rename = "lastIvl")]
    last_ivl: i64,
    factor: i64,
    time: i64,
    #[serde(rename = "type")]
    kind: i64,
}

impl Review {
    /// Whether `copy` is this review copied (by this sync or a stopped
    /// one).
    fn copied_as(&self, copy: &Review) -> bool {
        copy.id > self.id && copy.id <= self.id + WINDOW_MS && copy.answer() == self.answer()
    }

    /// All but the id.
    fn answer(&self) -> [i64; 6] {
        [
            self.ease,
            self.ivl,
            self.last_ivl,
            self.factor,
            self.time,
            self.kind,
        ]
    }

    /// The row `insertReviews` takes, for card `cid` with id `id`. Its
    /// `usn` -1 has AnkiWeb take it at the next sync.
    fn row(&self, id: i64, cid: i64) -> Value {
        json!([
            id,
            cid,
            -1,
            self.ease,
            self.ivl,
            self.last_ivl,
            self.factor,
            self.time,
            self.kind
        ])
    }
}

/// The reviews of the cards of `pairs`, by card id.
fn reviews_of(
    client: &Client,
    pairs: &[(Card, Card)],
) -> anyhow::Result<HashMap<String, Vec<Review>>> {
    let cards: Vec<i64> = pairs.iter().flat_map(|(a, b)| [a.id, b.id]).collect();
    if cards.is_empty() {
        return Ok(HashMap::new());
    }
    let reviews = client.call("getReviewsOfCards", json!({ "cards": cards }))?;
    Ok(serde_json::from_value(reviews)?)
}

/// The reviews of an old card still to copy onto its new card, oldest
/// first, and where the copy has got to.
struct Copying {
    cid: i64,
    missing: std::collections::VecDeque<Review>,
    /// The id of the last copy on the card.
    last: i64,
    /// The id tried for the next one, and how many times it was taken.
    trying: Option<(i64, u32)>,
}

/// Inserts into each new card the reviews of its old card it does not
/// have yet, each once however many syncs were stopped before, at free ids
/// just after the originals (`TRIES`). A card's reviews go in one after the
/// other, each after the one before: what a stopped sync copied is always
/// the oldest ones, and the order stays.
fn copy_reviews(
    client: &Client,
    pairs: &[(Card, Card)],
    mut reviews: HashMap<String, Vec<Review>>,
    taken: &mut HashSet<i64>,
) -> anyhow::Result<()> {
    let mut copying = Vec::new();
    for (from, to) in pairs {
        let mut have = reviews.remove(&to.id.to_string()).unwrap_or_default();
        let mut old = reviews.remove(&from.id.to_string()).unwrap_or_default();
        old.sort_by_key(|r| r.id);
        let last = have.iter().map(|r| r.id).max().unwrap_or(0);
        let mut missing = std::collections::VecDeque::new();
        for review in old {
            // Each copy stands for one original.
            match have.iter().position(|copy| review.copied_as(copy)) {
                Some(copied) => drop(have.remove(copied)),
                None => missing.push_back(review),
            }
        }
        copying.push(Copying {
            cid: to.id,
            missing,
            last,
            trying: None,
        });
    }
    loop {
        let mut heads = Vec::new();
        for card in copying.iter_mut() {
            let Some(review) = card.missing.front() else {
                continue;
            };
            let (id, tries) = match card.trying {
                Some(tried) => tried,
                None => (free_id(taken, card.last.max(review.id) + 1), 0),
            };
            card.trying = Some((id, tries));
            heads.push((card, id, tries));
        }
        if heads.is_empty() {
            return Ok(());
        }
        let actions = heads
            .iter()
            .map(|(card, id, _)| {
                let row = card.missing[0].row(*id, card.cid);
                Action::new("insertReviews", json!({ "reviews": [row] }))
            })
            .collect();
        for ((card, id, tries), result) in heads.into_iter().zip(client.multi(actions)?) {
            if result.is_ok() {
                card.missing.pop_front();
                card.last = id;
                card.trying = None;
            } else if tries + 1 < TRIES {
                // Taken by a review this sync cannot see: further on.
                card.trying = Some((free_id(taken, id + (1 << tries)), tries + 1));
            } else {
                anyhow::bail!(
                    "AnkiConnect insertReviews: no free review id found after {} for card {}; the old note was left as it was",
                    card.missing[0].id,
                    card.cid
                );
            }
        }
    }
}

/// The first id from `from` on that is not taken, taken now.
fn free_id(taken: &mut HashSet<i64>, from: i64) -> i64 {
    let id = (from..).find(|id| !taken.contains(id)).unwrap_or(from);
    taken.insert(id);
    id
}

/// Gives each new card still new its old card's schedule (a card no longer
/// new has it already from a stopped sync, or was reviewed since).
fn copy_schedules(client: &Client, pairs: &[(Card, Card)]) -> anyhow::Result<()> {
    let actions = pairs
        .iter()
        .filter(|(from, to)| to.is_new() && !from.is_new())
        .map(|(from, to)| {
            Action::new(
                "setSpecificValueOfCard",
                json!({
                    "card": to.id,
                    "keys": SCHEDULE_KEYS,
                    "newValues": from.schedule(),
                    // Scheduling fields are refused without it.
                    "warning_check": true,
                }),
            )
        })
        .collect();
    for result in client.multi(actions)? {
        // `[true]` when set; `false` or `[[false, why]]` when not.
        let result = result?;
        if result.get(0) != Some(&Value::Bool(true)) {
            anyhow::bail!("AnkiConnect setSpecificValueOfCard: {result}");
        }
    }
    Ok(())
}

/// The cards of each note, by note.
fn cards_by_note(client: &Client, nids: &[i64]) -> anyhow::Result<HashMap<i64, Vec<Card>>> {
    let mut by_note: HashMap<i64, Vec<Card>> = HashMap::new();
    if nids.is_empty() {
        return Ok(by_note);
    }
    let query = nids
        .iter()
        .map(|nid| format!("nid:{nid}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let cards = ids(client.call("findCards", json!({ "query": query }))?);
    let infos: Vec<Card> =
        serde_json::from_value(client.call("cardsInfo", json!({ "cards": cards }))?)?;
    for card in infos {
        by_note.entry(card.note).or_default().push(card);
    }
    Ok(by_note)
}

/// The note of each GUID's Key in the given note type, if Anki has one.
fn find_new_notes<'a>(
    client: &Client,
    notes: impl Iterator<Item = (&'a str, NoteType)>,
) -> anyhow::Result<Vec<Option<i64>>> {
    let actions = notes
        .map(|(guid, note_type)| {
            let query = format!(
                "\"note:{}\" {}",
                notetype::definition(note_type).name,
                key_search(guid)
            );
            Action::new("findNotes", json!({ "query": query }))
        })
        .collect();
    client
        .multi(actions)?
        .into_iter()
        .map(|result| Ok(ids(result?).into_iter().min()))
        .collect()
}
