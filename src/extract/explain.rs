//! What the walk tells `explain`: the lines of each part of the note and
//! what became of them, worked out only when a trace is asked for.

use std::ops::RangeInclusive;

use super::classify::{only_schedule, separated_term};
use super::{Draft, Walk};
use crate::japanese::phrase;
use crate::japanese::step;
use crate::japanese::TrimSpaces;
use crate::outline::Node;
use crate::trace::{NoCard, Outcome, Step};

impl Walk<'_> {
    /// Records a step of the trace, when there is one: `lines` is only
    /// worked out then.
    pub(super) fn record(
        &mut self,
        lines: impl FnOnce(&Self) -> RangeInclusive<usize>,
        outcome: Outcome,
    ) {
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
    pub(super) fn record_head(&mut self, node: &Node, draft: Option<&Draft>) {
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
    pub(super) fn head_lines(&self, node: &Node) -> RangeInclusive<usize> {
        let head = &node.head;
        let end = head.source.end.clamp(node.range.start, node.range.end);
        let text = self.outline.source[node.range.start..end].trim_end();
        node.line..=node.line + text.matches('\n').count()
    }

    /// The lines of `node` and all under it.
    pub(super) fn node_lines(&self, node: &Node) -> RangeInclusive<usize> {
        let text = self.outline.source[node.range.clone()].trim_end();
        node.line..=node.line + text.matches('\n').count()
    }

    /// Why an item or paragraph that the rules made no card of made none,
    /// for `explain`: the reasons the rules of `classify` turn it down.
    fn why_no_card(&self, node: &Node) -> NoCard {
        let head = &node.head;
        let text = head.text.trim_spaces();
        let name = match head.separator() {
            Some(sep) if head.ends_with_separator() => &head.text[..sep.start],
            _ => text,
        };
        let has_children = self.has_children(node);
        let definition = separated_term(head, head.text.len()).map(|(_, d)| &head.text[d]);
        if definition.is_some_and(|definition| only_schedule(node, definition)) {
            NoCard::Schedule
        } else if head.is_only_references() || node.is_bookmark() {
            NoCard::Bookmarks
        } else if head.is_only_media_or_code() {
            NoCard::OnlyMediaOrCode
        } else if phrase::is_label(name) || phrase::leading_label(text).is_some() {
            NoCard::Label
        } else if has_children && node.children.iter().all(Node::is_bookmark) {
            NoCard::Bookmarks
        } else if !has_children && phrase::is_question(text) {
            NoCard::Unanswered
        } else if definition.is_some_and(|definition| self.is_case_fact(definition)) {
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
