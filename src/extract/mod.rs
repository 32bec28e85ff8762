//! The tree of a note → cards, by the rules of docs/extraction.md.
//!
//! Each item (or paragraph outside a list) is tried against the rules in
//! order — question, term with separator, link-only term, name line with
//! its definition on the next line, topic, definition sentence (term first
//! or last) — and the first that applies makes its card; later lines of its
//! head that define something by themselves make cards of their own; a run
//! of labelled siblings makes one card together; a section whose heading
//! names something is a topic; a table's rows that name things are cards
//! (`table`). Every card keeps the headings and card fronts above it as
//! its context.
//!
//! This file walks the tree and places the cards; `classify` holds the
//! rules for an item or paragraph, `blocks` cuts a head of many lines,
//! `sentence` reads English prose, `section` and `table` make the cards of
//! headings and tables, `levels` the context every card carries, and
//! `explain` records what became of each line; `note` is the entry point
//! that takes a note's settings; `nesting` decides what a card nested in
//! another adds (a name said again is one card with the card above).

mod blocks;
mod classify;
mod explain;
mod levels;
mod nesting;
mod note;
mod section;
mod sentence;
mod table;

pub use note::note_cards;

use std::borrow::Cow;
use std::sync::Arc;

use blocks::definition_blocks;
use levels::Levels;

use crate::card::{Card, Kind};
use crate::identity;
use crate::japanese::{self, case, naming, phrase};
use crate::limits;
use crate::outline::{self, Node, NodeKind, Outline};
use crate::render;
use crate::trace::{Block, NoCard, Outcome, Rule, Trace};

/// The version of the rules: bump it with any change that makes other cards
/// from the same notes. Every index made with another version extracts
/// every note again at its next build (their cards keep their GUIDs).
pub const RULES_VERSION: u32 = 11;

/// The longest back, in bytes of Markdown: about 2,000 Japanese characters,
/// what a learner can still study on one card. A card's back holds its
/// subtree, the cards in it by their fronts (a section only its own body,
/// see `section_back`); past
/// this it is cut at a line end and marked `…`: what is cut is still on the
/// cards nested under it. It also keeps a pathological note (a 10 MB line,
/// thousands of levels) fast.
pub const MAX_BACK: usize = 6 << 10;

/// The cards of one note. `file` is its name relative to the notes folder,
/// with `/` separators; the deck comes from its folders and `#` title.
pub fn extract_note(file: &str, text: &str) -> Vec<Card> {
    extract_note_in_deck(file, text, |deck| deck)
}

/// `extract_note`, the deck its folders and title make passed through
/// `deck` first (`notedeck.toml` names a folder's deck): the cards'
/// identities are derived from the deck they are in.
pub fn extract_note_in_deck(
    file: &str,
    text: &str,
    deck: impl FnOnce(String) -> String,
) -> Vec<Card> {
    walk_note(file, text, deck, None)
}

/// `extract_note_in_deck`, recording in `trace` the rule that made each
/// card and what became of every other part of the note (`explain`).
pub fn explain_note_in_deck(
    file: &str,
    text: &str,
    deck: impl FnOnce(String) -> String,
    trace: &mut Trace,
) -> Vec<Card> {
    walk_note(file, text, deck, Some(trace))
}

fn walk_note(
    file: &str,
    text: &str,
    deck: impl FnOnce(String) -> String,
    trace: Option<&mut Trace>,
) -> Vec<Card> {
    let outline = outline::parse(text);
    let deck = deck(identity::deck(file, outline.title_text()));
    let mut walk = Walk {
        places: vec![identity::Place::deck(&deck)],
        deck: deck.into(),
        file: file.into(),
        outline: &outline,
        context: Levels::default(),
        tags: Levels::default(),
        seen: identity::CardIdMap::default(),
        cards: Vec::new(),
        replaced: outline::Replacements::default(),
        in_case: false,
        card_above: None,
        section_opening: None,
        only_child: None,
        backs: Vec::new(),
        trace,
    };
    walk.siblings(&outline.nodes);
    let mut cards = walk.cards;
    render_backs(&mut cards, walk.backs);
    cards
}

/// Gives each card its back, rendered from the Markdown the walk kept for
/// it (`Walk::set_back`). All backs are rendered after the walk, one after
/// another, rather than each as its card is made: the renderer and the
/// rules then have the instruction cache to themselves in turn (about
/// 1.5% of a note's extraction, timed in one process).
fn render_backs(cards: &mut [Card], backs: Vec<(usize, Cow<'_, str>)>) {
    for (card, markdown) in backs {
        let (back, back_html) = render::plain_and_html(&markdown);
        let card = &mut cards[card];
        card.back = back;
        card.back_html = back_html;
    }
}

/// A card before it has its place: what the rules decide.
struct Draft<'a> {
    kind: Kind,
    front: String,
    /// Markdown of the back: most backs are a piece of the note as it is.
    back: Cow<'a, str>,
    line: usize,
    rule: Rule,
}

struct Walk<'a> {
    deck: Arc<str>,
    file: Arc<str>,
    outline: &'a Outline,
    /// Headings (but the title) and card fronts above the current node.
    context: Levels,
    /// The place of each level of `context`, the deck's first.
    places: Vec<identity::Place>,
    /// Tags of the headings (but the title) above the current node.
    tags: Levels,
    /// How many cards have had each first-ordinal identity, to tell them apart.
    seen: identity::CardIdMap<usize>,
    cards: Vec<Card>,
    /// The nodes that made cards, in the order of the source, as the backs
    /// above them show them: by their fronts.
    replaced: outline::Replacements,
    /// Whether a case label (`問題のシナリオ`, `要件`) is above the current
    /// node, and no answer label below it: what is here describes one
    /// question's situation.
    in_case: bool,
    /// The front of the card whose children are being walked: a child that
    /// names it again says more about it (`nesting`).
    card_above: Option<naming::Name>,
    /// The front of the section card whose body is about to be walked: a
    /// section that opens with the definition of its name is one card with
    /// it (`nesting`). The first node walked takes it.
    section_opening: Option<String>,
    /// The only child of a topic that `titles_one_card` classified, and
    /// its draft, for when the walk comes to it.
    only_child: Option<(*const Node, Option<Draft<'a>>)>,
    /// The Markdown of each card's back, by the card's index, rendered
    /// once the walk is done (`render_backs`).
    backs: Vec<(usize, Cow<'a, str>)>,
    /// What was decided, when `explain` asks.
    trace: Option<&'a mut Trace>,
}

impl<'a> Walk<'a> {
    fn siblings(&mut self, nodes: &[Node]) {
        let mut i = 0;
        while i < nodes.len() {
            let node = &nodes[i];
            let opening = self.section_opening.take();
            if node.skipped {
                self.record(|walk| walk.node_lines(node), Outcome::Skipped);
                i += 1;
                continue;
            }
            match node.kind {
                NodeKind::Heading(_) => self.section(node),
                // A quote's paragraphs may define (`> DevOpsは、…`).
                NodeKind::Other => {
                    if self.trace.is_some() {
                        let block = Block::of(&self.outline.source[node.range.clone()]);
                        self.record(|walk| walk.node_lines(node), Outcome::Block(block));
                    }
                    self.under(None, |walk| walk.siblings(&node.children))
                }
                NodeKind::Table(index) => {
                    let outcome = Outcome::Block(Block::Table);
                    self.record(|walk| walk.node_lines(node), outcome);
                    self.table(&self.outline.tables[index])
                }
                NodeKind::Item | NodeKind::Paragraph => {
                    let (first_end, blocks) = definition_blocks(&node.head);
                    let first = self.classified(node, first_end);
                    let more: Vec<Draft> = blocks
                        .into_iter()
                        .filter_map(|block| self.line_definition(node, block, false))
                        .map(|draft| Draft {
                            rule: Rule::DefiningLine,
                            ..draft
                        })
                        .chain(self.sentence_definitions(node))
                        .collect();
                    // Under a card, the front is folded for the comparison
                    // with it, and that fold gives the card its identity.
                    let folded = first
                        .as_ref()
                        .filter(|_| self.card_above.is_some())
                        .map(|draft| FoldedFront::of(&draft.front));
                    let absorbed = first.as_ref().is_some_and(|draft| {
                        self.absorbed(node, draft, folded.as_ref(), &more, opening.as_deref())
                    });
                    if absorbed {
                        i += 1;
                        continue;
                    }
                    if let Some(draft) = first {
                        self.record_head(node, Some(&draft));
                        let fronts = std::iter::once(&draft)
                            .chain(&more)
                            .map(|d| d.front.as_str());
                        self.shown_by_fronts(node, node.range.end, fronts);
                        let nested = [node.children.as_slice()];
                        self.nested_under(draft, folded, more, &nested, &nested);
                        i += 1;
                        continue;
                    }
                    more.into_iter().for_each(|draft| self.emit(draft));
                    let whole_head_checked = first_end == node.head.text.len();
                    if let Some(run) = self.label_sequence(&nodes[i..], whole_head_checked) {
                        let draft = self.sequence_card(run);
                        self.record_head(node, Some(&draft));
                        for item in &run[1..] {
                            let outcome = Outcome::NoCard(NoCard::InSequence);
                            self.record(|walk| walk.head_lines(item), outcome);
                        }
                        let last = run.last().expect("a run of two at least");
                        let front = std::iter::once(draft.front.as_str());
                        self.shown_by_fronts(node, last.range.end, front);
                        let nested: Vec<&[Node]> =
                            run.iter().map(|item| item.children.as_slice()).collect();
                        let shown = [run[0].children.as_slice(), &run[1..]];
                        self.nested_under(draft, None, Vec::new(), &nested, &shown);
                        i += run.len();
                        continue;
                    } else {
                        self.record_head(node, None);
                        if self.only_for_further_reading(node) {
                            self.left_out_of_backs(node);
                        }
                        // With nothing under it, whether it opens a case matters to nothing.
                        if !node.children.is_empty() {
                            let children = &node.children;
                            self.case_under(&node.head.text, |walk| {
                                walk.under(None, |walk| walk.siblings(children))
                            });
                        }
                    }
                }
            }
            i += 1;
        }
    }

    /// Emits `draft` and the cards of the other lines of its head (`more`),
    /// then walks the lists of siblings nested under it (`nested`) with its
    /// front in the context. With nothing nested there is no level to enter
    /// (most cards: a term and its definition). The draft's back is its own
    /// text, then the lists `shown`, in which the cards made under it
    /// stand by their fronts: each has its own card. `folded`: the front
    /// folded already, if it is.
    fn nested_under(
        &mut self,
        mut draft: Draft<'a>,
        folded: Option<FoldedFront>,
        more: Vec<Draft<'a>>,
        nested: &[&[Node]],
        shown: &[&[Node]],
    ) {
        let front = draft.front.as_str();
        let folded = folded.as_ref().map(|folded| folded.of_front(front));
        let enters = !front.is_empty() && nested.iter().any(|nodes| !nodes.is_empty());
        // Folded once for the card's identity, the place it opens and the
        // name the cards under it are compared with.
        let level_folded =
            enters.then(|| folded.map_or_else(|| japanese::folded(front), Cow::Borrowed));
        let id = self.identify(front, level_folded.as_deref().or(folded));
        let level = level_folded.as_deref().map(|folded| {
            let place = self.here().enter_folded(folded);
            (
                place,
                naming::Name::of_folded(front, folded),
                front.to_string(),
            )
        });
        drop(level_folded);
        let mut back = std::mem::take(&mut draft.back);
        let card = id.map(|id| self.push_card(draft, id));
        more.into_iter().for_each(|draft| self.emit(draft));
        let above = level.map(|(place, name, front)| {
            self.push_level(place, front);
            name
        });
        let entered = above.is_some();
        self.under(above, |walk| {
            for nodes in nested {
                walk.siblings(nodes);
            }
        });
        if entered {
            self.leave();
        }
        if let Some(card) = card {
            for nodes in shown {
                push_block(&mut back, self.shown_markdown(nodes));
            }
            self.set_back(card, back);
        }
    }

    /// Runs `walk` (over what is under `name`) knowing whether it is under
    /// a case label (`問題のシナリオ:`, `## 要件`) and not in the answer to
    /// it (`解決策:`), where the notes teach again.
    fn case_under(&mut self, name: &str, walk: impl FnOnce(&mut Self)) {
        let outer = self.in_case;
        if case::is_case_label(name) {
            self.in_case = true;
        } else if case::is_answer_label(name) {
            self.in_case = false;
        }
        walk(self);
        self.in_case = outer;
    }

    /// Whether `definition`, said of a term here, is a fact of a question's
    /// case rather than knowledge: under a case label, what it narrates or
    /// requires (`…が関連付けられています。`, `…する必要があります。`). It
    /// stays in the back above.
    fn is_case_fact(&self, definition: &str) -> bool {
        self.in_case && case::describes_case(definition)
    }

    /// The Markdown of `nodes`, the cards made of them (and under them)
    /// standing by their fronts.
    fn shown_markdown(&self, nodes: &[Node]) -> String {
        self.outline.markdown_with(nodes, MAX_BACK, &self.replaced)
    }

    /// Has the backs above show the source from `node` to `end` (the node,
    /// or a run of siblings from it) by `fronts`, the cards it made: each
    /// an item of a list, as the node's own marker (or a bullet) writes it.
    /// Called before the cards under it are made, so that the replacements
    /// stay in the order of the source.
    fn shown_by_fronts<'f>(
        &mut self,
        node: &Node,
        end: usize,
        fronts: impl Iterator<Item = &'f str>,
    ) {
        let outline = self.outline;
        let source = &outline.source;
        let marker = match node.kind {
            NodeKind::Item => source[node.range.start..]
                .split([' ', '\t', '\n'])
                .next()
                .filter(|m| !m.is_empty())
                .unwrap_or("-"),
            _ => "-",
        };
        let end = node.range.start + source[node.range.start..end].trim_end().len();
        self.replaced.show(node.range.start..end, |text| {
            let start = text.len();
            for front in fronts.filter(|front| !front.is_empty()) {
                if text.len() > start {
                    text.push('\n');
                    text.extend(std::iter::repeat_n(' ', node.column));
                }
                text.push_str(marker);
                text.push(' ');
                render::push_escaped_markdown(text, front);
            }
        });
    }

    /// Whether `node` is only links kept for further reading: a bookmark
    /// (`[YouTube](…)`, an address), a reference line (`参考: [記事](…)`),
    /// or a label over bookmarks (`参考`, `関連リンク` over its links). A
    /// name over links (`- アジャイルな計画…を採用する` over its articles)
    /// still says what it names.
    fn only_for_further_reading(&self, node: &Node) -> bool {
        let over_bookmarks = || node.children.iter().all(Node::is_bookmark);
        if node.head.is_only_references() || node.head.is_labelled_links() {
            over_bookmarks()
        } else {
            !node.children.is_empty() && phrase::is_label(&node.head.text) && over_bookmarks()
        }
    }

    /// Has the backs above leave out `node`, a bookmark (`- [YouTube](…)`
    /// under `- Donovan Brown`, `[DevOps (Wikipedia)](…)` citing the quote
    /// after it): a link kept for further reading is nothing to recall,
    /// and its title read as a line of the back is noise.
    fn left_out_of_backs(&mut self, node: &Node) {
        let source = &self.outline.source;
        let end = node.range.start + source[node.range.clone()].trim_end().len();
        self.replaced.leave_out(node.range.start..end);
    }

    /// The place of the current level, the deck's at the top.
    fn here(&self) -> &identity::Place {
        self.places.last().expect("the deck's place")
    }

    fn enter(&mut self, part: String) {
        let place = self.here().enter(&part);
        self.push_level(place, part);
    }

    /// Enters the level `part` makes, at `place`.
    fn push_level(&mut self, place: identity::Place, part: String) {
        self.places.push(place);
        // Every card below carries this part: bounded, it costs each a constant.
        self.context
            .push(limits::cut(part, limits::MAX_CONTEXT_PART));
    }

    fn leave(&mut self) {
        self.places.pop();
        self.context.pop();
    }

    fn emit(&mut self, mut draft: Draft<'a>) {
        let back = std::mem::take(&mut draft.back);
        if let Some(card) = self.place(draft) {
            self.set_back(card, back);
        }
    }

    /// Gives `draft` its place and identity among the cards, its back left
    /// for `set_back`; none for an empty front.
    fn place(&mut self, draft: Draft) -> Option<usize> {
        let id = self.identify(&draft.front, None)?;
        Some(self.push_card(draft, id))
    }

    /// The identity of a card fronted `front` here (given `folded`, the
    /// front folded already, if it is), told apart from the cards before
    /// it that would share it; none for an empty front.
    fn identify(&mut self, front: &str, folded: Option<&str>) -> Option<identity::CardId> {
        if front.is_empty() {
            return None;
        }
        let place = self.places.last().expect("the deck's place");
        let id = |ordinal| match folded {
            Some(folded) => place.id_folded(folded, ordinal),
            None => place.id(front, ordinal),
        };
        let first = id(0);
        let ordinal = self.seen.entry(first).or_insert(0);
        let id = if *ordinal == 0 { first } else { id(*ordinal) };
        *ordinal += 1;
        Some(id)
    }

    /// Adds the card of `draft`, identified `id`, its back left for
    /// `set_back`: its index among the cards.
    fn push_card(&mut self, draft: Draft, id: identity::CardId) -> usize {
        self.cards.push(Card {
            guid: id.guid(),
            deck: self.deck.clone(),
            front: draft.front,
            back: String::new(),
            back_html: String::new(),
            context: self.context.shared(),
            tags: self.tags.shared(),
            kind: draft.kind,
            file: self.file.clone(),
            line: draft.line,
            note_type: Default::default(),
        });
        if let Some(trace) = self.trace.as_deref_mut() {
            trace.rules.push(draft.rule);
        }
        self.cards.len() - 1
    }

    /// The back of the card at `card`, from its Markdown, bounded: kept
    /// until the walk is done (`render_backs`).
    fn set_back(&mut self, card: usize, mut markdown: Cow<'a, str>) {
        // Within its bound, a back borrowed from the note stays borrowed.
        if markdown.len() > MAX_BACK {
            outline::cut_at_line(markdown.to_mut(), MAX_BACK);
        }
        self.backs.push((card, markdown));
    }
}

/// A card's front folded (`japanese::folded`), kept while the walk
/// decides what the card is: none when folding leaves it as it is.
struct FoldedFront(Option<String>);

impl FoldedFront {
    fn of(front: &str) -> Self {
        match japanese::folded(front) {
            Cow::Borrowed(_) => FoldedFront(None),
            Cow::Owned(folded) => FoldedFront(Some(folded)),
        }
    }

    /// The folded text of `front`, the front it was made of.
    fn of_front<'f>(&'f self, front: &'f str) -> &'f str {
        self.0.as_deref().unwrap_or(front)
    }
}

/// Appends a Markdown block to a back, a blank line after what is there.
/// An empty back (a topic's) becomes the block itself, not a copy of it.
fn push_block(back: &mut Cow<'_, str>, block: String) {
    if block.is_empty() {
        return;
    }
    if back.is_empty() {
        *back = Cow::Owned(block);
        return;
    }
    let back = back.to_mut();
    back.push_str("\n\n");
    back.push_str(&block);
}
