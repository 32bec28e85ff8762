//! Sections → cards: a heading that names something is a topic, its back
//! its own body, what its aspect subsections say, and the titles of the
//! others.

use std::borrow::Cow;

use super::{push_block, Draft, Walk};
use crate::card::Kind;
use crate::identity;
use crate::japanese::naming;
use crate::japanese::phrase::{self, clean_front};
use crate::japanese::script::{is_numeral, is_pictograph, is_space};
use crate::japanese::TrimSpaces;
use crate::limits;
use crate::outline::{Node, NodeKind};
use crate::trace::{NoCard, Outcome, Rule};

/// A section's own body, its aspect subsections (`##### 概要` says what
/// the section above it is) and its other subsections.
struct SectionParts<'n> {
    body: &'n [Node],
    aspects: Vec<&'n Node>,
    others: Vec<&'n Node>,
}

impl Walk<'_> {
    pub(super) fn section(&mut self, heading: &Node) {
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
        // A body of bookmarks alone (`## 勉強資料` over links), or of a rule
        // line (`---`), is nothing to study.
        let says_something = |nodes: &[Node]| {
            nodes.iter().any(|c| {
                let source = &self.outline.source[c.range.clone()];
                !source.trim().is_empty() && !is_rule_line(source) && !c.is_bookmark()
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
                Some((subject, rest)) if text[rest..].trim_spaces().is_empty() => {
                    (Kind::Topic, &text[subject], Rule::SectionTopic)
                }
                _ if phrase::is_question(text) => (Kind::Qa, text, Rule::Question),
                _ => (Kind::Topic, text, Rule::SectionTopic),
            };
            let draft = Draft {
                kind,
                front: clean_front(front),
                back: Cow::Borrowed(""),
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
        // A body that opens with the definition of the section's name is
        // one card with it (`nesting`).
        let opening = card.map(|card| self.cards[card].front.clone());
        self.case_under(text, |walk| {
            walk.under(None, |walk| {
                walk.section_opening = opening;
                walk.siblings(&heading.children);
                walk.section_opening = None;
            })
        });
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
    /// certification note runs to 20,000 characters). A label's title
    /// (`Keywords:`, `Exam Tips`) names nothing of the section: it only
    /// files what is under it, and is left out. The back is bounded like a
    /// topic's.
    fn section_back(&self, parts: &SectionParts) -> Cow<'static, str> {
        let mut back = Cow::Owned(self.shown_markdown(parts.body));
        for aspect in &parts.aspects {
            let said = self.shown_markdown(section_body(aspect));
            if !said.is_empty() {
                let title = heading_name(&aspect.head.text);
                push_block(&mut back, format!("**{title}**\n\n{said}"));
            }
        }
        let titles: Vec<String> = parts
            .others
            .iter()
            .filter(|s| !phrase::is_label(heading_name(&s.head.text)))
            .map(|s| format!("- {}", s.head.text.trim()))
            .collect();
        push_block(&mut back, titles.join("\n"));
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

/// `---`, `***`, `___`: a rule line between parts of the notes, which says
/// nothing.
fn is_rule_line(source: &str) -> bool {
    let mut marks = source.chars().filter(|c| !c.is_whitespace());
    let Some(mark) = marks.next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    let mut count = 1;
    for c in marks {
        if c != mark {
            return false;
        }
        count += 1;
    }
    count >= 3
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

/// What a heading names: without the pictographs that decorate it
/// (`📚 Overview`), its section number (`2.1.1. Amazon Athena`, `2.1 分析`)
/// or its chapter (`第3章 データベース`, `2章 ネットワーク`): those file the
/// section, the words name it. `3 Tier` keeps its number, which a dot
/// would have marked. Nor does the course level after the name (`IAM
/// 101`): the section teaches IAM.
fn heading_name(heading: &str) -> &str {
    let heading = heading
        .trim_start_matches(|c: char| is_pictograph(c) || is_space(c))
        .trim_end_matches(is_space);
    naming::without_course_level(without_chapter(without_section_number(heading)))
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
    let counted = heading.strip_prefix('第').unwrap_or(heading);
    let after_number = counted.trim_start_matches(is_numeral);
    let rest = (after_number.len() < counted.len())
        .then(|| after_number.strip_prefix('章'))
        .flatten()
        .map(|rest| rest.trim_start_matches(|c: char| is_space(c) || c == ':' || c == '：'));
    rest.filter(|rest| !rest.is_empty()).unwrap_or(heading)
}
