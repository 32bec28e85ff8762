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

mod note;
mod sentence;
mod table;

pub use note::note_cards;

use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};
use std::sync::Arc;

use crate::card::{Card, Kind};
use crate::identity;
use crate::japanese::case;
use crate::japanese::phrase::{self, clean_front};
use crate::japanese::script::{is_hiragana, is_japanese, is_pictograph, is_space};
use crate::japanese::separator;
use crate::japanese::step;
use crate::limits;
use crate::outline::{self, Node, NodeKind, Outline, Table};
use crate::render;
use crate::trace::{Block, NoCard, Outcome, Rule, Step, Trace};

/// The version of the rules: bump it with any change that makes other cards
/// from the same notes. Every index made with another version extracts
/// every note again at its next build (their cards keep their GUIDs).
pub const RULES_VERSION: u32 = 8;

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
        seen: HashMap::new(),
        cards: Vec::new(),
        replaced: Vec::new(),
        in_case: false,
        trace,
    };
    walk.siblings(&outline.nodes);
    walk.cards
}

/// A section's own body, its aspect subsections (`##### 概要` says what
/// the section above it is) and its other subsections.
struct SectionParts<'n> {
    body: &'n [Node],
    aspects: Vec<&'n Node>,
    others: Vec<&'n Node>,
}

/// A card before it has its place: what the rules decide.
struct Draft {
    kind: Kind,
    front: String,
    /// Markdown of the back.
    back: String,
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
    seen: HashMap<identity::CardId, usize>,
    cards: Vec<Card>,
    /// The nodes that made cards, in the order of the source, as the backs
    /// above them show them: by their fronts.
    replaced: Vec<outline::Replacement>,
    /// Whether a case label (`問題のシナリオ`, `要件`) is above the current
    /// node, and no answer label below it: what is here describes one
    /// question's situation.
    in_case: bool,
    /// What was decided, when `explain` asks.
    trace: Option<&'a mut Trace>,
}

impl Walk<'_> {
    fn siblings(&mut self, nodes: &[Node]) {
        let mut i = 0;
        while i < nodes.len() {
            let node = &nodes[i];
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
                    self.siblings(&node.children)
                }
                NodeKind::Table(index) => {
                    let outcome = Outcome::Block(Block::Table);
                    self.record(|walk| walk.node_lines(node), outcome);
                    self.table(&self.outline.tables[index])
                }
                NodeKind::Item | NodeKind::Paragraph => {
                    let (first_end, blocks) = definition_blocks(&node.head);
                    let first = self.classify(node, first_end);
                    let more: Vec<Draft> = blocks
                        .into_iter()
                        .filter_map(|block| self.line_definition(node, block, false))
                        .map(|draft| Draft {
                            rule: Rule::DefiningLine,
                            ..draft
                        })
                        .chain(self.sentence_definitions(node))
                        .collect();
                    if let Some(draft) = first {
                        self.record_head(node, Some(&draft));
                        let fronts = std::iter::once(&draft)
                            .chain(&more)
                            .map(|d| d.front.as_str());
                        self.shown_by_fronts(node, node.range.end, fronts);
                        let nested = [node.children.as_slice()];
                        self.nested_under(draft, more, &nested, &nested);
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
                        self.nested_under(draft, Vec::new(), &nested, &shown);
                        i += run.len();
                        continue;
                    } else {
                        self.record_head(node, None);
                        self.case_under(&node.head.text, |walk| walk.siblings(&node.children));
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
    /// stand by their fronts: each has its own card.
    fn nested_under(
        &mut self,
        mut draft: Draft,
        more: Vec<Draft>,
        nested: &[&[Node]],
        shown: &[&[Node]],
    ) {
        let front = nested
            .iter()
            .any(|nodes| !nodes.is_empty())
            .then(|| draft.front.clone())
            .filter(|front| !front.is_empty());
        let mut back = std::mem::take(&mut draft.back);
        let card = self.place(draft);
        more.into_iter().for_each(|draft| self.emit(draft));
        let entered = front.map(|front| self.enter(front)).is_some();
        for nodes in nested {
            self.siblings(nodes);
        }
        if entered {
            self.leave();
        }
        if let Some(card) = card {
            for nodes in shown {
                push_block(&mut back, &self.shown_markdown(nodes));
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
        // The items are written into one string, not joined from one each:
        // most nodes make a single card, and this runs for every one.
        let mut text = String::new();
        for front in fronts.filter(|front| !front.is_empty()) {
            if !text.is_empty() {
                text.push('\n');
                text.extend(std::iter::repeat_n(' ', node.column));
            }
            text.push_str(marker);
            text.push(' ');
            render::push_escaped_markdown(&mut text, front);
        }
        if text.is_empty() {
            return;
        }
        let end = node.range.start + source[node.range.start..end].trim_end().len();
        self.replaced.push(outline::Replacement {
            range: node.range.start..end,
            text,
        });
    }

    /// A card for each row of `table` that names something
    /// (`table::row_cards`); a `└─` row is a part of the row above it,
    /// which is its context.
    fn table(&mut self, table: &Table) {
        let mut under_row = false;
        let mut above = None;
        for row in table::row_cards(table, &self.outline.source) {
            let front = clean_front(row.name);
            if !row.nested {
                if std::mem::take(&mut under_row) {
                    self.leave();
                }
                above = Some(front.clone());
            } else if let Some(name) = above.take() {
                self.enter(name);
                under_row = true;
            }
            self.emit(Draft {
                kind: Kind::Term,
                front,
                back: row.back,
                line: row.line,
                rule: Rule::TableRow,
            });
        }
        if under_row {
            self.leave();
        }
    }

    fn enter(&mut self, part: String) {
        let place = self.places.last().expect("the deck's place").enter(&part);
        self.places.push(place);
        // Every card below carries this part: bounded, it costs each a constant.
        self.context
            .push(limits::cut(part, limits::MAX_CONTEXT_PART));
    }

    fn leave(&mut self) {
        self.places.pop();
        self.context.pop();
    }

    fn section(&mut self, heading: &Node) {
        let is_title = self
            .outline
            .title
            .is_some_and(|t| std::ptr::eq(&self.outline.nodes[t], heading));
        if is_title {
            let title = Outcome::NoCard(NoCard::Title);
            self.record(|_| heading.line..=heading.line, title);
            self.siblings(&heading.children);
            return;
        }
        let text = heading_name(&heading.head.text);
        let parts = self.section_parts(heading);
        // A body of bookmarks alone (`## 勉強資料` over links) is nothing to
        // study.
        let says_something = |nodes: &[Node]| {
            nodes.iter().any(|c| {
                !self.outline.source[c.range.clone()].trim().is_empty() && !c.is_bookmark()
            })
        };
        let mut card = None;
        let own_body = says_something(parts.body)
            || parts
                .aspects
                .iter()
                .any(|a| says_something(section_body(a)));
        if own_body
            && !phrase::is_filing_heading(text)
            && !phrase::is_label(text)
            && !text.is_empty()
        {
            // `### Route 53とは` names Route 53.
            let (kind, front, rule) = match phrase::definition_subject(text) {
                Some((subject, rest)) if text[rest..].trim_matches(is_space).is_empty() => {
                    (Kind::Topic, &text[subject], Rule::SectionTopic)
                }
                _ if phrase::is_question(text) => (Kind::Qa, text, Rule::Question),
                _ => (Kind::Topic, text, Rule::SectionTopic),
            };
            let draft = Draft {
                kind,
                front: clean_front(front),
                back: String::new(),
                line: heading.line,
                rule,
            };
            self.record_head(heading, Some(&draft));
            card = self.place(draft);
        } else if self.trace.is_some() {
            let why = section_no_card(text, own_body);
            self.record(|_| heading.line..=heading.line, Outcome::NoCard(why));
        }
        self.enter(clean_front(text));
        let tagged = identity::tag(text)
            .map(|tag| self.tags.push(limits::cut(tag, limits::MAX_CONTEXT_PART)))
            .is_some();
        self.case_under(text, |walk| walk.siblings(&heading.children));
        if tagged {
            self.tags.pop();
        }
        self.leave();
        // Its back once the cards in its body are made: they stand by their fronts.
        if let Some(card) = card {
            let back = self.section_back(&parts);
            self.set_back(card, back);
        }
    }

    /// A section's own body, then what its aspect subsections (`概要`,
    /// `主な機能`) say, each under its title in bold, then the titles of
    /// its other subsections: they are cards of their own, and repeating
    /// them all would make a back no one can study (a chapter of a
    /// certification note runs to 20,000 characters). The back is bounded
    /// like a topic's.
    fn section_back(&self, parts: &SectionParts) -> String {
        let mut back = self.shown_markdown(parts.body);
        for aspect in &parts.aspects {
            let said = self.shown_markdown(section_body(aspect));
            if !said.is_empty() {
                let title = heading_name(&aspect.head.text);
                push_block(&mut back, &format!("**{title}**\n\n{said}"));
            }
        }
        let titles: Vec<String> = parts
            .others
            .iter()
            .map(|s| format!("- {}", s.head.text.trim()))
            .collect();
        push_block(&mut back, &titles.join("\n"));
        back
    }

    fn section_parts<'n>(&self, heading: &'n Node) -> SectionParts<'n> {
        let body = section_body(heading);
        let (aspects, others) = heading.children[body.len()..]
            .iter()
            .filter(|s| matches!(s.kind, NodeKind::Heading(_)))
            .partition(|s| phrase::is_aspect(heading_name(&s.head.text)));
        SectionParts {
            body,
            aspects,
            others,
        }
    }

    /// Rules 1 to 5 and 7 for one item or paragraph, whose head is read up
    /// to text position `end` (where a line that defines something by
    /// itself begins).
    fn classify(&self, node: &Node, end: usize) -> Option<Draft> {
        let head = &node.head;
        let text = &head.text[..end];
        let has_children = self.has_children(node);
        let draft = |kind, rule, front: &str, back: String| Draft {
            kind,
            front: clean_front(front),
            back,
            line: node.line,
            rule,
        };
        // A link-only item with something said under it names the linked
        // thing: `[Validated Learning](…)` over its definition. (Links under
        // links are a table of contents.)
        let says_under = || {
            node.children
                .iter()
                .any(|c| !c.head.is_only_media_or_code() && !c.is_bookmark())
        };
        if head.is_only_links() && says_under() && phrase::is_term(text) {
            return Some(draft(Kind::Term, Rule::LinkOnlyTerm, text, String::new()));
        }
        if head.is_only_media_or_code() || text.trim_matches(is_space).is_empty() {
            return None;
        }
        // Rule 2: a question; its answer is what is nested under it.
        if has_children && phrase::is_question(text) {
            return Some(draft(Kind::Qa, Rule::Question, text, String::new()));
        }
        // Rule 3: TERM separator DEFINITION.
        let separator = head.separator().filter(|sep| sep.end <= end);
        let separated = separated_term(head, end);
        let case_fact = |(_, definition): &(Range<usize>, Range<usize>)| {
            self.is_case_fact(&text[definition.clone()])
        };
        if separated.as_ref().is_some_and(case_fact) {
            return None;
        }
        if let Some((term, definition)) = separated {
            let back = self.head_markdown(node, definition);
            let rule = if term.start > 0 {
                Rule::TermAfterLabel
            } else {
                Rule::TermWithDefinition
            };
            return Some(draft(Kind::Term, rule, &text[term], back));
        }
        // A name alone on the first line, its definition on the next.
        if let Some(name) = name_line(text, separator.as_ref()) {
            if self.is_case_fact(&text[name.end..]) {
                return None;
            }
            let back = self.head_markdown(node, name.end + 1..end);
            return Some(draft(Kind::Term, Rule::NameLine, &text[name], back));
        }
        // Rules 4 and 5: a topic, never fronted by a bare label.
        let ends_with_separator = head.ends_with_separator();
        let name = match &separator {
            Some(sep) if ends_with_separator => &text[..sep.start],
            _ => text,
        };
        let bold = bold_subject(node);
        // Over bookmarks alone, a name files links: nothing to recall.
        let is_topic = has_children
            && bold.is_none()
            && !phrase::is_label(name)
            && !phrase::is_sentence_like(name)
            && !phrase::is_question(name)
            && phrase::definition_subject(name).is_none()
            && !node.children.iter().all(Node::is_bookmark)
            // `6. リソースのデプロイ` is a step of the procedure above: it
            // stays in that back, its own lines still cards.
            && !step::is_generic_step(name);
        if is_topic {
            return Some(draft(Kind::Topic, Rule::Topic, name, String::new()));
        }
        // Rule 7: a definition sentence, `**X**は…`, `X は、…`, `…をXという`.
        if let Some((subject, rest)) = bold.filter(|(_, rest)| *rest <= end) {
            if self.is_case_fact(&text[rest..]) {
                return None;
            }
            let back = self.head_markdown(node, rest..end);
            return Some(draft(Kind::Term, Rule::BoldFirst, &text[subject], back));
        }
        if let Some((subject, rest)) = phrase::japanese_subject_of_english(text)
            .or_else(|| phrase::english_definition_subject(text))
        {
            let back = self.head_markdown(node, rest..end);
            let rule = Rule::ExplainedInEnglish;
            return Some(draft(Kind::Term, rule, &text[subject], back));
        }
        self.line_definition(node, 0..end, has_children)
    }

    /// A block of head lines whose first line defines something by itself:
    /// `X は、…` / `Xとは…` (the rest of the block is the back), or
    /// `…をXという。` (the back is what comes before X, then the rest).
    fn line_definition(
        &self,
        node: &Node,
        block: Range<usize>,
        has_children: bool,
    ) -> Option<Draft> {
        let head = &node.head;
        let text = &head.text[block.clone()];
        let line_end = block.start + text.find('\n').unwrap_or(text.len());
        let draft = |front: &str, back, rule| Draft {
            kind: Kind::Term,
            rule,
            front: clean_front(front),
            back,
            // The block's first line in the file (a `<br>` is no line end).
            line: self
                .outline
                .line(head.source_at(block.start).max(node.range.start)),
        };
        // A later line `X: 説明` (the first line's separator is rule 3's).
        if block.start > 0 {
            let line = &head.text[block.start..line_end];
            let next = head.text[line_end..block.end].strip_prefix('\n');
            let separator = separator::find(&head.separable()[block.start..line_end]);
            if let Some((term, definition)) = separated_line(line, separator, next) {
                if self.is_case_fact(&head.text[block.start + definition.start..block.end]) {
                    return None;
                }
                let back = self.head_markdown(node, block.start + definition.start..block.end);
                return Some(draft(&line[term], back, Rule::DefiningLine));
            }
        }
        // `とは` inside link text defines nothing: the link is masked.
        let masked = head.masked();
        if let Some((subject, rest)) = phrase::definition_subject(&masked[block.start..line_end]) {
            let (subject, rest) = (
                subject.start + block.start..subject.end + block.start,
                rest + block.start,
            );
            let definition = &head.text[rest..block.end];
            if !phrase::says_something(definition) && !has_children || self.is_case_fact(definition)
            {
                return None;
            }
            let back = self.head_markdown(node, rest..block.end);
            return Some(draft(&head.text[subject], back, Rule::TermFirst));
        }
        let (term, definition) = phrase::term_last(&head.text[block.start..line_end])?;
        // `この仕組みをXと呼ぶ。`: the sentence before says what `この` is.
        let line_before = head.text[..block.start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |nl| nl + 1);
        let points_back = block.start > 0
            && phrase::points_back(&head.text[block.start..block.start + definition.end]);
        let from = if points_back {
            line_before
        } else {
            definition.start + block.start
        };
        let mut back = self.head_markdown(node, from..definition.end + block.start);
        let rest = self.head_markdown(node, line_end..block.end);
        if !rest.is_empty() {
            back.push('\n');
            back.push_str(&rest);
        }
        Some(draft(
            &head.text[term.start + block.start..term.end + block.start],
            back,
            Rule::TermLast,
        ))
    }

    /// Rule 7 in English prose: a card for each sentence of `node`'s head
    /// that defines a term by itself (`sentence`), its back the sentence
    /// (with the one before it, when it points back).
    fn sentence_definitions<'w>(&'w self, node: &'w Node) -> impl Iterator<Item = Draft> + 'w {
        let head = &node.head;
        sentence::definitions(head)
            .into_iter()
            .map(move |definition| Draft {
                kind: Kind::Term,
                front: clean_front(&head.text[definition.term.clone()]),
                back: self.head_markdown(node, definition.back),
                line: self
                    .outline
                    .line(head.source_at(definition.term.start).max(node.range.start)),
                rule: Rule::SentenceOfParagraph,
            })
    }

    /// The Markdown of the head between text positions `range`; markup that
    /// opens just before it is kept whole.
    fn head_markdown(&self, node: &Node, range: Range<usize>) -> String {
        let head = &node.head;
        if head.text[range.clone()].trim_matches(is_space).is_empty() {
            return String::new();
        }
        let start = head.source_from(range.start).min(head.source.end);
        let end = if range.end >= head.text.len() {
            head.source.end
        } else {
            head.source_at(range.end).clamp(start, head.source.end)
        };
        self.outline.source[start..end].trim().to_string()
    }

    /// Rule 6: consecutive siblings that start with at least two different
    /// labels (`エラー内容：…` then `原因：…`), none a card of its own, the
    /// first more than a bare label. `first_checked`: the caller has found
    /// the first node's whole head no card (classifying is the costly part).
    fn label_sequence<'n>(&self, nodes: &'n [Node], first_checked: bool) -> Option<&'n [Node]> {
        let mut labels = Vec::new();
        let len = nodes
            .iter()
            .enumerate()
            .take_while(|&(at, n)| {
                // A skipped item ends the run: it and what is under it make no card.
                let label = (matches!(n.kind, NodeKind::Item | NodeKind::Paragraph) && !n.skipped)
                    .then(|| phrase::leading_label(&n.head.text))
                    .flatten();
                let no_card =
                    || (at == 0 && first_checked) || self.classify(n, n.head.text.len()).is_none();
                if let Some(label) = label.filter(|_| no_card()) {
                    labels.push(label);
                    true
                } else {
                    false
                }
            })
            .count();
        labels.sort_unstable();
        labels.dedup();
        // Its front is the first head, which must say more than the label.
        let first = nodes[0]
            .head
            .text
            .trim_end_matches([':', '：'])
            .trim_end_matches(is_space);
        (labels.len() >= 2 && !phrase::is_label(first)).then(|| &nodes[..len])
    }

    /// One card for a label sequence: front the first item's whole head,
    /// back (made by `nested_under`) its children and the items that
    /// follow.
    fn sequence_card(&self, run: &[Node]) -> Draft {
        let first = &run[0];
        Draft {
            kind: Kind::Qa,
            front: clean_front(&first.head.text),
            back: String::new(),
            line: first.line,
            rule: Rule::LabelSequence,
        }
    }

    fn emit(&mut self, mut draft: Draft) {
        let back = std::mem::take(&mut draft.back);
        if let Some(card) = self.place(draft) {
            self.set_back(card, back);
        }
    }

    /// Gives `draft` its place and identity among the cards, its back left
    /// for `set_back`; none for an empty front.
    fn place(&mut self, draft: Draft) -> Option<usize> {
        if draft.front.is_empty() {
            return None;
        }
        let place = self.places.last().expect("the deck's place");
        let first = place.id(&draft.front, 0);
        let ordinal = self.seen.entry(first).or_insert(0);
        let id = if *ordinal == 0 {
            first
        } else {
            place.id(&draft.front, *ordinal)
        };
        *ordinal += 1;
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
        Some(self.cards.len() - 1)
    }

    /// The back of the card at `card`, from its Markdown, bounded.
    fn set_back(&mut self, card: usize, mut markdown: String) {
        outline::cut_at_line(&mut markdown, MAX_BACK);
        let (back, back_html) = render::plain_and_html(&markdown);
        let card = &mut self.cards[card];
        card.back = back;
        card.back_html = back_html;
    }

    /// Records a step of the trace, when there is one: `lines` is only
    /// worked out then.
    fn record(&mut self, lines: impl FnOnce(&Self) -> RangeInclusive<usize>, outcome: Outcome) {
        if self.trace.is_some() {
            let lines = lines(self);
            if let Some(trace) = self.trace.as_deref_mut() {
                trace.steps.push(Step { lines, outcome });
            }
        }
    }

    /// Records what became of `node`'s head: the card `draft` is about to
    /// become (the next one, as `emit` makes none of an empty front), or
    /// why it made none.
    fn record_head(&mut self, node: &Node, draft: Option<&Draft>) {
        if self.trace.is_none() {
            return;
        }
        let outcome = match draft {
            Some(draft) if draft.front.is_empty() => return,
            Some(_) => Outcome::Card(self.cards.len()),
            None => Outcome::NoCard(self.why_no_card(node)),
        };
        self.record(|walk| walk.head_lines(node), outcome);
    }

    /// The lines of `node`'s head, its first to its last.
    fn head_lines(&self, node: &Node) -> RangeInclusive<usize> {
        let head = &node.head;
        let end = head.source.end.clamp(node.range.start, node.range.end);
        let text = self.outline.source[node.range.start..end].trim_end();
        node.line..=node.line + text.matches('\n').count()
    }

    /// The lines of `node` and all under it.
    fn node_lines(&self, node: &Node) -> RangeInclusive<usize> {
        let text = self.outline.source[node.range.clone()].trim_end();
        node.line..=node.line + text.matches('\n').count()
    }

    /// Whether anything but blank lines is nested under `node`.
    fn has_children(&self, node: &Node) -> bool {
        node.children
            .iter()
            .any(|c| !self.outline.source[c.range.clone()].trim().is_empty())
    }

    /// Why an item or paragraph that the rules made no card of made none,
    /// for `explain`: the reasons the rules of `classify` turn it down.
    fn why_no_card(&self, node: &Node) -> NoCard {
        let head = &node.head;
        let text = head.text.trim_matches(is_space);
        let name = match head.separator() {
            Some(sep) if head.ends_with_separator() => &head.text[..sep.start],
            _ => text,
        };
        let has_children = self.has_children(node);
        if head.is_only_references() || node.is_bookmark() {
            NoCard::Bookmarks
        } else if head.is_only_media_or_code() {
            NoCard::OnlyMediaOrCode
        } else if phrase::is_label(name) || phrase::leading_label(text).is_some() {
            NoCard::Label
        } else if has_children && node.children.iter().all(Node::is_bookmark) {
            NoCard::Bookmarks
        } else if !has_children && phrase::is_question(text) {
            NoCard::Unanswered
        } else if separated_term(head, head.text.len())
            .is_some_and(|(_, definition)| self.is_case_fact(&head.text[definition]))
        {
            NoCard::CaseFact
        } else if has_children && step::is_generic_step(name) {
            NoCard::ProcedureStep
        } else if phrase::is_sentence_like(name) {
            NoCard::Sentence
        } else {
            NoCard::NoRule
        }
    }
}

/// A stack of levels (headings, fronts, tags) that every card under them
/// carries: the list of each depth is made once, when a card first needs
/// it, and shared by the cards made there.
struct Levels {
    parts: Vec<String>,
    /// For each depth from 0 to `parts.len()`, its list once made.
    shared: Vec<Option<Arc<[String]>>>,
}

impl Default for Levels {
    fn default() -> Self {
        Levels {
            parts: Vec::new(),
            shared: vec![None],
        }
    }
}

impl Levels {
    fn push(&mut self, part: String) {
        self.parts.push(part);
        self.shared.push(None);
    }

    fn pop(&mut self) {
        self.parts.pop();
        self.shared.pop();
    }

    /// The levels as they stand, for a card.
    fn shared(&mut self) -> Arc<[String]> {
        let parts = &self.parts;
        let current = self.shared.last_mut().expect("depth 0 is never popped");
        current
            .get_or_insert_with(|| parts.as_slice().into())
            .clone()
    }
}

/// Why the section headed `text` made no card (`Walk::section`), for
/// `explain`; `own_body`: whether it says something before its
/// subsections.
fn section_no_card(text: &str, own_body: bool) -> NoCard {
    if phrase::is_filing_heading(text) {
        NoCard::Filing
    } else if phrase::is_label(text) {
        NoCard::Label
    } else if text.is_empty() {
        NoCard::Filing
    } else if !own_body {
        NoCard::NoBody
    } else {
        NoCard::NoRule
    }
}

/// What a section says before its first subsection.
fn section_body(heading: &Node) -> &[Node] {
    let end = heading
        .children
        .iter()
        .position(|c| matches!(c.kind, NodeKind::Heading(_)))
        .unwrap_or(heading.children.len());
    &heading.children[..end]
}

/// Appends a Markdown block to a back, a blank line after what is there.
fn push_block(back: &mut String, block: &str) {
    if block.is_empty() {
        return;
    }
    if !back.is_empty() {
        back.push_str("\n\n");
    }
    back.push_str(block);
}

/// What a heading names: without the pictographs that decorate it
/// (`📚 Overview`), its section number (`2.1.1. Amazon Athena`, `2.1 分析`)
/// or its chapter (`第3章 データベース`, `2章 ネットワーク`): those file the
/// section, the words name it. `3 Tier` keeps its number, which a dot
/// would have marked.
fn heading_name(heading: &str) -> &str {
    let heading = heading
        .trim_start_matches(|c: char| is_pictograph(c) || is_space(c))
        .trim_end_matches(is_space);
    without_chapter(without_section_number(heading))
}

fn without_section_number(heading: &str) -> &str {
    let number_end = heading.len()
        - heading
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
            .len();
    let number = &heading[..number_end];
    let rest = heading[number_end..].trim_start_matches(is_space);
    let spaced = rest.len() < heading.len() - number_end;
    let numbered = number.starts_with(|c: char| c.is_ascii_digit()) && number.contains('.');
    if numbered && spaced && !rest.is_empty() {
        rest
    } else {
        heading
    }
}

fn without_chapter(heading: &str) -> &str {
    let numeral = |c: char| {
        c.is_ascii_digit() || ('０'..='９').contains(&c) || "〇一二三四五六七八九十百".contains(c)
    };
    let counted = heading.strip_prefix('第').unwrap_or(heading);
    let after_number = counted.trim_start_matches(numeral);
    let rest = (after_number.len() < counted.len())
        .then(|| after_number.strip_prefix('章'))
        .flatten()
        .map(|rest| rest.trim_start_matches(|c: char| is_space(c) || c == ':' || c == '：'));
    rest.filter(|rest| !rest.is_empty()).unwrap_or(heading)
}

/// `**X**は…`, `**X**（別名）とは…`, `**X**<br>…`, `**Term** — …`: a bold term
/// opening the head marks the subject by itself. Returns the text ranges of
/// the subject (with its alias) and of the rest.
fn bold_subject(node: &Node) -> Option<(Range<usize>, usize)> {
    let text = node.head.text.as_str();
    let start = phrase::after_connective(text);
    // `The **"root account"** is …`: an article may lead in.
    let led_in = |at: usize| {
        ["The ", "A ", "An "]
            .iter()
            .any(|a| text[start..].starts_with(a) && at == start + a.len())
    };
    let bold = node
        .head
        .strong
        .iter()
        .find(|r| (r.start == start || led_in(r.start)) && r.end > r.start)?;
    let english = !text[bold.clone()].contains(is_japanese);
    let mut end = bold.end;
    let after = &text[end..];
    if let Some(open) = after.chars().next().filter(|&c| c == '（' || c == '(') {
        let close = if open == '（' { '）' } else { ')' };
        if let Some(at) = after.find(close) {
            end += at + close.len_utf8();
        }
    }
    // `**Denial of Service** attacks consist of …`: the noun the term
    // qualifies is part of the subject.
    if let Some(noun_end) = english.then(|| qualified_noun(&text[end..])).flatten() {
        end += noun_end;
    }
    let after = &text[end..];
    let spaced = after.trim_start_matches([' ', '\u{3000}']);
    let skipped = after.len() - spaced.len();
    // An English term may also be followed by a comma or a predicate that
    // says what it is: `**Identity Access Management**, IAM allows …`,
    // `**S3** is …`.
    let english_markers = std::iter::once(",")
        .chain(ENGLISH_PREDICATES)
        .filter(|_| english);
    let marker = ["とは", "では", "は", "\n", "—", "–", "―", "- "]
        .into_iter()
        .chain(english_markers)
        .find(|m| spaced.starts_with(m))?;
    let mut rest = end + skipped + marker.len();
    let tail = text[rest..].trim_start_matches([' ', '\u{3000}']);
    let tail = tail.strip_prefix(['、', ',']).unwrap_or(tail);
    rest = text.len() - tail.len();
    let subject = &text[bold.clone()];
    // A bold sentence (`**IAM is universal.**`) is no subject.
    let sentence = subject.contains(['。', '\n']) || subject.trim_end().ends_with('.');
    (!phrase::is_label(subject) && !sentence).then_some((bold.start..end, rest))
}

/// What an English bold term opening a head is said to be or do by:
/// `**S3** is …`, `**Denial of Service** attacks consist of …`.
const ENGLISH_PREDICATES: [&str; 8] = [
    "is ",
    "are ",
    "consist of ",
    "consists of ",
    "refers to ",
    "refer to ",
    "means ",
    "stands for ",
];

/// ` attacks consist of …` after `**Denial of Service**`: where the one
/// lower-case noun the bold term qualifies ends, when a predicate of
/// `ENGLISH_PREDICATES` follows it (a conjunction or a preposition
/// qualifies nothing: `**Routers** and switches are …`).
fn qualified_noun(after: &str) -> Option<usize> {
    const NO_NOUNS: [&str; 12] = [
        "and", "or", "but", "also", "then", "of", "in", "on", "for", "to", "with", "as",
    ];
    let noun = after.strip_prefix(' ')?;
    let noun_end = noun.find(' ')?;
    let rest = &noun[noun_end + 1..];
    let is_noun = noun[..noun_end].bytes().all(|b| b.is_ascii_lowercase())
        && noun_end > 0
        && !NO_NOUNS.contains(&&noun[..noun_end]);
    (is_noun && ENGLISH_PREDICATES.iter().any(|p| rest.starts_with(p))).then_some(1 + noun_end)
}

/// Rule 3 in the head up to `end`: the text ranges of TERM and DEFINITION
/// when TERM is term-like and DEFINITION not empty.
fn separated_term(head: &outline::Head, end: usize) -> Option<(Range<usize>, Range<usize>)> {
    let text = &head.text[..end];
    // A block is read as if it were the head: what follows it is no part
    // of a chain (`(1) bit - …, (2) link - …`).
    let first = if end < head.text.len() {
        separator::find(&head.separable()[..end])
    } else {
        head.separator()
    }?;
    // `参考: [X](…): 定義`: a label before the separator introduces the
    // item; the term is what follows it, up to a colon.
    let labelled = phrase::is_label(&text[..first.start]);
    let next = labelled
        .then(|| head.separator_from(first.end))
        .flatten()
        .filter(|next| next.end <= end && !separator::is_weak(&text[next.clone()]));
    let after_label = next.is_some();
    let (term_start, sep) = match next {
        Some(next) => (first.end, next),
        None => (0, first),
    };
    let term = term_start + typed_marker_len(&text[term_start..sep.start])..sep.start;
    let defined = !text[sep.end..].trim_matches(is_space).is_empty();
    let is_term = || {
        if after_label {
            phrase::is_term(&text[term.clone()])
        } else {
            // The term is the text before the first separator, checked above.
            !labelled && phrase::is_term_unless_label(&text[term.clone()])
        }
    };
    (defined && is_term()).then_some((term, sep.end..end))
}

/// `- パブリッククラウド` + `契約者なら誰でも…`: the range of a name alone on the
/// first line when the next line, not a separator on the first, defines
/// it. A wrapped sentence goes on in hiragana or lower case instead.
fn name_line(text: &str, separator: Option<&Range<usize>>) -> Option<Range<usize>> {
    let (name, next) = text.split_once('\n')?;
    let next_starts = next.trim_start_matches(is_space).chars().next();
    let continues = next_starts.is_some_and(|c| is_hiragana(c) || c.is_ascii_lowercase());
    let on_first_line = separator.is_some_and(|sep| sep.start < name.len());
    let defined = phrase::says_something(next) && !continues;
    (!on_first_line && defined && phrase::is_name_line(name)).then_some(0..name.len())
}

/// The head cut into blocks of lines: a line after the first that defines
/// something by itself (`Xとは…`, `…をXという。`, `X: 説明`, `X => 説明`,
/// `・X:` over its definition) starts a block, so that a paragraph of
/// several definitions makes a card of each. The line after a name line
/// is its definition; a line ending with a separator over lines that
/// define by themselves leads them in, and its block holds them up to the
/// next such line; a worked example (`例:` and the lines after it up to a
/// sentence) defines nothing. Returns where the first block ends, and the
/// blocks after it (for most heads, a line alone, none: nothing is
/// allocated).
fn definition_blocks(head: &outline::Head) -> (usize, Vec<Range<usize>>) {
    let text = head.text.as_str();
    if memchr::memchr(b'\n', text.as_bytes()).is_none() && numbered_parts(text).is_empty() {
        return (text.len(), Vec::new());
    }
    let masked = head.masked();
    let separable = head.separable();
    let mut lines = line_ranges(text).peekable();
    let first = lines.next().expect("a first line");
    let first_separator = separator::find(&separable[first.clone()]);
    let first_leads_in = ends_with(first_separator.as_ref(), &text[first.clone()]);
    // (where a block starts, whether its line leads the lines after it in)
    let mut starts = vec![(0, first_leads_in)];
    // A name alone on the first line: the next line is its definition.
    let mut under_name = first_separator.is_none() && phrase::is_name_line(&text[first.clone()]);
    let mut in_example = is_example(&text[first]);
    while let Some(line) = lines.next() {
        let next = lines.peek().map(|next| &text[next.clone()]);
        let line_text = &text[line.clone()];
        in_example = is_example(line_text) || (in_example && !ends_example(line_text));
        let separator = separator::find(&separable[line.clone()]);
        let defines = !in_example
            && (phrase::definition_subject(&masked[line.clone()]).is_some()
                || phrase::term_last(line_text).is_some()
                || separated_line(line_text, separator.clone(), next).is_some());
        let defined_above = std::mem::take(&mut under_name);
        if defines && !defined_above {
            starts.push((line.start, ends_with(separator.as_ref(), line_text)));
        }
    }
    let block_end = |at: usize| {
        let (start, leads_in) = starts[at];
        let after = starts[at + 1..].iter();
        let mut ends = after.filter(|&&(_, next_leads_in)| next_leads_in || !leads_in);
        // A part ends before the spaces and comma that lead to the next.
        let before = |next: usize| text[..next].trim_end_matches([' ', '\n', ',', '、']).len();
        ends.next()
            .map_or(text.len(), |&(next, _)| before(next))
            .max(start)
    };
    let blocks = (1..starts.len())
        .map(|at| starts[at].0..block_end(at))
        .collect();
    (block_end(0), blocks)
}

/// The byte ranges of the lines of `text`, without their `\n`, each cut
/// at the parts it numbers inline (`numbered_parts`).
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    text.split('\n').flat_map(move |line| {
        let line_start = start;
        start += line.len() + 1;
        // Empty for most lines: nothing is allocated.
        let cuts = numbered_parts(line);
        (0..=cuts.len()).map(move |part| {
            let from = part.checked_sub(1).map_or(0, |before| cuts[before]);
            let to = cuts.get(part).copied().unwrap_or(line.len());
            line_start + from..line_start + to
        })
    })
}

/// `(1) bit - …, (2) physical link - …`: where the parts of a line that
/// numbers them inline begin, after the first; none unless it opens
/// with `(1)`.
fn numbered_parts(line: &str) -> Vec<usize> {
    let mut parts = Vec::new();
    if !line.trim_start_matches(is_space).starts_with("(1)") {
        return parts;
    }
    let mut from = 0;
    for number in 2.. {
        let mark = format!("({number})");
        let Some(at) = line[from..].find(&mark) else {
            break;
        };
        parts.push(from + at);
        from += at + mark.len();
    }
    parts
}

/// The length of the bullet or number typed as text before a term
/// (`・グローバル:`, `(1) bit - …`): they are no part of its front.
fn typed_marker_len(term: &str) -> usize {
    let unbulleted = term.trim_start_matches(['・', ' ', '\u{3000}']);
    let unnumbered = unbulleted
        .strip_prefix('(')
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .filter(|rest| rest.len() < unbulleted.len() - 1)
        .and_then(|rest| rest.strip_prefix(") "))
        .unwrap_or(unbulleted);
    term.len() - unnumbered.len()
}

/// `例:` or `Example:` opens a worked example.
fn is_example(line: &str) -> bool {
    matches!(
        phrase::leading_label(line),
        Some("例" | "例えば" | "example")
    )
}

/// A worked example ends at a blank line or a sentence: the prose goes on.
fn ends_example(line: &str) -> bool {
    let line = line.trim_matches(is_space);
    line.is_empty() || line.ends_with(['。', '.'])
}

/// Whether `separator` (found in `line`) ends it: the line leads in.
fn ends_with(separator: Option<&Range<usize>>, line: &str) -> bool {
    separator.is_some_and(|sep| sep.end == line.len())
}

/// A line that reads `TERM separator DEFINITION`, or `TERM separator` with
/// its definition on the `next` line: the text ranges of TERM (without a
/// bullet or number typed before it) and of what follows the separator on
/// the line. `separator` is the line's, as `separator::find` found it where
/// separators may be (`Head::separable`).
fn separated_line(
    line: &str,
    separator: Option<Range<usize>>,
    next: Option<&str>,
) -> Option<(Range<usize>, Range<usize>)> {
    let sep = separator?;
    let term = typed_marker_len(&line[..sep.start])..sep.start;
    let defined = phrase::says_something(&line[sep.end..])
        || (sep.end == line.len() && next.is_some_and(phrase::says_something));
    (defined && phrase::is_term(&line[term.clone()])).then_some((term, sep.end..line.len()))
}
