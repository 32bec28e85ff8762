//! The card store and the settling of identities, over builds of a few cards.

use super::*;
use crate::card::{Card, Kind};
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
