//! The rules for one item or paragraph, in order (docs/extraction.md):
//! what its head is (a question, a term and its definition, a name line, a
//! topic, a definition sentence), and runs of labelled siblings.

use std::borrow::Cow;
use std::ops::Range;

use super::blocks::{separated_line, typed_marker_len};
use super::sentence;
use super::{Draft, Walk};
use crate::card::Kind;
use crate::japanese::course;
use crate::japanese::phrase::{self, clean_front};
use crate::japanese::script::{is_hiragana, is_space};
use crate::japanese::separator;
use crate::japanese::step;
use crate::japanese::TrimSpaces;
use crate::outline::{self, Node, NodeKind};
use crate::trace::Rule;

impl<'a> Walk<'a> {
    /// Rules 1 to 5 and 7 for one item or paragraph, whose head is read up
    /// to text position `end` (where a line that defines something by
    /// itself begins).
    pub(super) fn classify(&self, node: &Node, end: usize) -> Option<Draft<'a>> {
        let head = &node.head;
        let text = &head.text[..end];
        let has_children = self.has_children(node);
        let draft = |kind, rule, front: &str, back: Cow<'a, str>| Draft {
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
            return Some(draft(
                Kind::Term,
                Rule::LinkOnlyTerm,
                text,
                Cow::Borrowed(""),
            ));
        }
        if head.is_only_media_or_code() || text.trim_spaces().is_empty() {
            return None;
        }
        // Rule 2: a question; its answer is what is nested under it.
        if has_children && phrase::is_question(text) {
            return Some(draft(Kind::Qa, Rule::Question, text, Cow::Borrowed("")));
        }
        // Rule 3: TERM separator DEFINITION.
        let separator = head.separator().filter(|sep| sep.end <= end);
        // A term whose definition is only a link, over what the notes say
        // of it, names its source (`…の意味: [DevOps (Atlassian社)](…)`):
        // a topic (rule 4), the link no part of its back.
        let separated =
            separated_term(head, end).filter(|_| !(has_children && head.ends_with_separator()));
        let case_fact = |(_, definition): &(Range<usize>, Range<usize>)| {
            self.is_case_fact(&text[definition.clone()])
        };
        if separated.as_ref().is_some_and(case_fact) {
            return None;
        }
        if let Some((term, definition)) = separated {
            // When the course teaches it (`- Day2前半で学習`) is nothing to
            // recall: the back is what is said under it (`only_schedule`).
            let schedule = course::is_schedule_note(&text[definition.clone()]);
            if schedule && only_bookmarks_under(node) {
                return None;
            }
            let back = if schedule {
                Cow::Borrowed("")
            } else {
                self.head_markdown(node, definition)
            };
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
        // `X は、以下の方法で…できます：`, `X には、以下の 2 つの…があります`
        // over its list do not define X: they ask what the list answers,
        // and front their topic whole, so that each item under it
        // (`インターネット経由`) is read in it. A definition before the
        // announcement (`Xとは…サービス。以下のような機能…`) still defines X.
        let leads_in = || {
            has_children
                && bold.is_none()
                && !name.trim_end_matches('。').contains('。')
                && (phrase::definition_subject(name).is_some() || phrase::has_placed_subject(name))
                && phrase::announces_list(name)
        };
        if is_topic || leads_in() {
            return Some(draft(Kind::Topic, Rule::Topic, name, Cow::Borrowed("")));
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
    pub(super) fn line_definition(
        &self,
        node: &Node,
        block: Range<usize>,
        has_children: bool,
    ) -> Option<Draft<'a>> {
        let head = &node.head;
        let text = &head.text[block.clone()];
        let line_end = block.start + memchr::memchr(b'\n', text.as_bytes()).unwrap_or(text.len());
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
            let back = back.to_mut();
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
    pub(super) fn sentence_definitions<'w>(
        &'w self,
        node: &'w Node,
    ) -> impl Iterator<Item = Draft<'a>> + 'w {
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
    fn head_markdown(&self, node: &Node, range: Range<usize>) -> Cow<'a, str> {
        let head = &node.head;
        if head.text[range.clone()].trim_spaces().is_empty() {
            return Cow::Borrowed("");
        }
        let start = head.source_from(range.start).min(head.source.end);
        let end = if range.end >= head.text.len() {
            head.source.end
        } else {
            head.source_at(range.end).clamp(start, head.source.end)
        };
        let source: &'a str = &self.outline.source;
        Cow::Borrowed(source[start..end].trim())
    }

    /// Rule 6: consecutive siblings that start with at least two different
    /// labels (`エラー内容：…` then `原因：…`), none a card of its own, the
    /// first more than a bare label. `first_checked`: the caller has found
    /// the first node's whole head no card (classifying is the costly part).
    pub(super) fn label_sequence<'n>(
        &self,
        nodes: &'n [Node],
        first_checked: bool,
    ) -> Option<&'n [Node]> {
        // The siblings are classified only once two labels differ: most
        // runs repeat one label, numbered (`シナリオ 1:`, `シナリオ 2:`).
        // Most heads start with none, which is told first.
        let labels: Vec<&str> = nodes.iter().map_while(leading_label).collect();
        let differ = |labels: &[&str]| labels.iter().any(|&label| label != labels[0]);
        if !differ(&labels) {
            return None;
        }
        // Its front is the first head, which must say more than the label.
        let first = nodes[0]
            .head
            .text
            .trim_end_matches([':', '：'])
            .trim_end_matches(is_space);
        if phrase::is_label(first) {
            return None;
        }
        let len = nodes[..labels.len()]
            .iter()
            .enumerate()
            .take_while(|&(at, n)| {
                (at == 0 && first_checked) || self.classify(n, n.head.text.len()).is_none()
            })
            .count();
        differ(&labels[..len]).then(|| &nodes[..len])
    }

    /// One card for a label sequence: front the first item's whole head,
    /// back (made by `nested_under`) its children and the items that
    /// follow.
    pub(super) fn sequence_card(&self, run: &[Node]) -> Draft<'a> {
        let first = &run[0];
        Draft {
            kind: Kind::Qa,
            front: clean_front(&first.head.text),
            back: Cow::Borrowed(""),
            line: first.line,
            rule: Rule::LabelSequence,
        }
    }

    /// Whether anything but blank lines is nested under `node`.
    pub(super) fn has_children(&self, node: &Node) -> bool {
        node.children
            .iter()
            .any(|c| !self.outline.source[c.range.clone()].trim().is_empty())
    }
}

/// The label `node`'s head starts with (`phrase::leading_label`), if it is
/// an item or paragraph that may make a card: a skipped one ends a run of
/// labels, as it and what is under it make no card.
fn leading_label(node: &Node) -> Option<&'static str> {
    let may_card = matches!(node.kind, NodeKind::Item | NodeKind::Paragraph) && !node.skipped;
    may_card
        .then(|| phrase::leading_label(&node.head.text))
        .flatten()
}

/// Whether `definition`, said of `node`'s term, only says when the course
/// teaches it (`Day1後半・Day2前半で学習`) while nothing but bookmarks is
/// under it: nothing to recall.
pub(super) fn only_schedule(node: &Node, definition: &str) -> bool {
    course::is_schedule_note(definition) && only_bookmarks_under(node)
}

fn only_bookmarks_under(node: &Node) -> bool {
    node.children.iter().all(Node::is_bookmark)
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
    let english = !phrase::has_japanese(&text[bold.clone()]);
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
pub(super) fn separated_term(
    head: &outline::Head,
    end: usize,
) -> Option<(Range<usize>, Range<usize>)> {
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
    let defined = !text[sep.end..].trim_spaces().is_empty();
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
    let line_end = memchr::memchr(b'\n', text.as_bytes())?;
    let (name, next) = (&text[..line_end], &text[line_end + 1..]);
    let next_starts = next.trim_start_matches(is_space).chars().next();
    let continues = next_starts.is_some_and(|c| is_hiragana(c) || c.is_ascii_lowercase());
    let on_first_line = separator.is_some_and(|sep| sep.start < name.len());
    let defined = phrase::says_something(next) && !continues;
    (!on_first_line && defined && phrase::is_name_line(name)).then_some(0..name.len())
}
