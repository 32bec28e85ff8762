//! What a card nested in another adds. A name said twice is one card: a
//! section that opens with the definition of its name (`## EFS` over
//! `**Amazon EFS**は、…`) and an item that names the card above again
//! (`- CNAME レコード:` over `- CNAME レコードは、…`) say more about the card
//! above, whose back holds them whole. A topic whose whole content is one
//! card is its title: the card says it all, the title in its context.

use super::blocks::definition_blocks;
use super::sentence;
use super::{Draft, FoldedFront, Walk};
use crate::japanese::naming;
use crate::outline::{Node, NodeKind};
use crate::trace::{NoCard, Outcome, Rule};

impl<'a> Walk<'a> {
    /// Runs `walk` with `card` (the name of a front, or none) as the card
    /// whose children are walked.
    pub(super) fn under(&mut self, card: Option<naming::Name>, walk: impl FnOnce(&mut Self)) {
        let above = std::mem::replace(&mut self.card_above, card);
        walk(self);
        self.card_above = above;
    }

    /// Whether `draft`, the card the rules made of `node`'s head (`more`
    /// the cards of its other lines), is no card of its own: a name said
    /// again, or a title over one card. Then it walks what is under
    /// `node` with the draft's front in the context, as a card would
    /// have, and records why. `opening`: the front of the section whose
    /// body `node` opens.
    pub(super) fn absorbed(
        &mut self,
        node: &Node,
        draft: &Draft,
        folded: Option<&FoldedFront>,
        more: &[Draft],
        opening: Option<&str>,
    ) -> bool {
        if !more.is_empty() {
            return false;
        }
        let folded = folded.map(|folded| folded.of_front(&draft.front));
        let why = if self.names_again(&draft.front, folded, opening) {
            NoCard::SaidAbove
        } else if draft.rule == Rule::Topic && self.titles_one_card(node, &draft.front) {
            NoCard::TitleOfOne
        } else {
            return false;
        };
        self.record(|walk| walk.head_lines(node), Outcome::NoCard(why));
        // Said again, it is still the card above that its children are in.
        let above = (why == NoCard::SaidAbove).then(|| naming::Name::new(&draft.front));
        self.enter(draft.front.clone());
        self.under(above, |walk| walk.siblings(&node.children));
        self.leave();
        true
    }

    /// Whether a card fronted `front` names again the card it would be
    /// nested in: the card above (`CNAME レコード:` over `CNAME レコードは、
    /// …`), or, opening a section, the section's card (`opening`: `## EFS`
    /// over `**Amazon EFS**は、…`). `folded`: the front folded, if it is.
    fn names_again(&self, front: &str, folded: Option<&str>, opening: Option<&str>) -> bool {
        opening.is_some_and(|heading| naming::heading_names(heading, front))
            || self.card_above.as_ref().is_some_and(|above| match folded {
                Some(folded) => above.is_named_folded(front, folded),
                None => above.is_named(front),
            })
    }

    /// Whether all under the topic `node` (fronted `front`) is one item or
    /// paragraph that makes one card of another name: the topic's back
    /// would only name that card. The child's draft is kept for when the
    /// walk comes to it (`classified`), as either way it does.
    fn titles_one_card(&mut self, node: &Node, front: &str) -> bool {
        let mut said = node
            .children
            .iter()
            .filter(|c| !self.outline.source[c.range.clone()].trim().is_empty());
        let (Some(only), None) = (said.next(), said.next()) else {
            return false;
        };
        if !matches!(only.kind, NodeKind::Item | NodeKind::Paragraph) || only.skipped {
            return false;
        }
        let (end, blocks) = definition_blocks(&only.head);
        if !blocks.is_empty() || !sentence::definitions(&only.head).is_empty() {
            return false;
        }
        let draft = self.classify(only, end);
        let titles = draft
            .as_ref()
            .is_some_and(|draft| !naming::same_name(front, &draft.front));
        self.only_child = Some((only, draft));
        titles
    }

    /// `classify` of `node`'s head up to `end`, the draft `titles_one_card`
    /// made of it if `node` is the child it looked at: classifying is the
    /// costly part of a node.
    pub(super) fn classified(&mut self, node: &Node, end: usize) -> Option<Draft<'a>> {
        match self.only_child.take() {
            Some((child, draft)) if std::ptr::eq(child, node) => draft,
            _ => self.classify(node, end),
        }
    }
}
