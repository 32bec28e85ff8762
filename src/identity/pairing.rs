//! Pairing the cards that vanished in a build with the ones that appeared,
//! so that a card keeps its GUID (and so its Anki note and review history)
//! through the edits learners make every week: a renamed heading or parent
//! term, a retitled note, a renamed or moved file, an edited back, a renamed
//! front.
//!
//! A card that appeared is one whose extracted key (deck, context, front) is
//! new to the index; a card that vanished is one of the index whose file was
//! read again (or is gone) and no longer has it. Each level of evidence below
//! is tried in turn, strongest first, on the cards still unpaired; at each
//! level a pair is made only when the evidence names exactly one card on
//! each side. Two cards the evidence cannot tell apart stay unpaired: a new
//! card is better than two different cards merged into one note.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;

/// What is compared of a card, each part folded (`japanese::fold`).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub front: String,
    /// The plain back.
    pub back: String,
    /// The context levels joined with a separator no text has.
    pub context: String,
}

/// Why two cards were taken for one, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Front, back and context are the same: only its file, deck or
    /// position moved. Identical cards on both sides pair in note order.
    SameCard,
    /// Same front and back under renamed headings or parent terms.
    SameFrontAndBack,
    /// Same front in the same context, with an edited back (and a new file
    /// or deck: in place, an edited back keeps its key).
    SameFrontAndContext,
    /// Same front with a back that is mostly the same text, everything
    /// around it renamed or moved.
    SameFrontSimilarBack,
    /// A renamed front over a back that is the same and says something.
    SameBack,
    /// In the same context, a front and back that together are mostly the
    /// same text as one vanished card's, and as no other's: the cut between
    /// front and back moved (`X` over `は、以下の…：` is now the lead-in
    /// `X は、以下の…` over its list).
    SameContextSimilarText,
    /// A renamed front over a back that says something and is mostly the
    /// same text as one vanished back, and as no other: a renamed heading
    /// whose section was edited too.
    SimilarBack,
}

/// One card that vanished taken for one that appeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub appeared: usize,
    pub vanished: usize,
    pub evidence: Evidence,
}

/// A back shorter than this (in characters, spaces left out) is too
/// generic (`なし`, `同上`, `TODO`) to tell a card by.
const TELLING_BACK_CHARS: usize = 8;

/// How much of their text two backs must share (bigrams, Dice's
/// coefficient) to be one back edited rather than two different ones, when
/// the fronts are the same.
const SIMILAR_BACK: f64 = 0.5;

/// The same, when the fronts differ too: the text alone must say the two
/// are one card (the back, or front and back in one context).
const NEARLY_SAME: f64 = 0.8;

/// Comparing every back left with every other costs their product: past
/// this many comparisons the last level is skipped (its cards are new).
const MAX_COMPARISONS: usize = 1_000_000;

/// Pairs cards of `appeared` with cards of `vanished` (indices into each),
/// level by level. Each card is in at most one pair.
pub fn pair(appeared: &[Candidate], vanished: &[Candidate]) -> Vec<Pair> {
    let mut pairing = Pairing {
        appeared,
        vanished,
        appeared_free: vec![true; appeared.len()],
        vanished_free: vec![true; vanished.len()],
        pairs: Vec::new(),
    };
    pairing.level(Evidence::SameCard, |c| {
        Some((c.front.as_str(), c.back.as_str(), c.context.as_str()))
    });
    pairing.level(Evidence::SameFrontAndBack, |c| {
        Some((c.front.as_str(), c.back.as_str()))
    });
    pairing.level(Evidence::SameFrontAndContext, |c| {
        Some((c.front.as_str(), c.context.as_str()))
    });
    pairing.level(Evidence::SameFrontSimilarBack, |c| Some(c.front.as_str()));
    pairing.level(Evidence::SameBack, |c| {
        is_telling(&c.back).then_some(c.back.as_str())
    });
    pairing.nearly_the_same(Evidence::SameContextSimilarText);
    pairing.nearly_the_same(Evidence::SimilarBack);
    pairing.pairs.sort_by_key(|p| p.appeared);
    pairing.pairs
}

struct Pairing<'a> {
    appeared: &'a [Candidate],
    vanished: &'a [Candidate],
    appeared_free: Vec<bool>,
    vanished_free: Vec<bool>,
    pairs: Vec<Pair>,
}

impl<'a> Pairing<'a> {
    /// Pairs the free cards whose `key` is shared by exactly one free card
    /// on each side (or, for `SameCard`, by as many on each side).
    fn level<K: Hash + Eq>(
        &mut self,
        evidence: Evidence,
        key: impl Fn(&'a Candidate) -> Option<K>,
    ) {
        let group = |cards: &'a [Candidate], free: &[bool]| {
            let mut groups: HashMap<K, Vec<usize>> = HashMap::new();
            for (i, card) in cards.iter().enumerate().filter(|&(i, _)| free[i]) {
                if let Some(k) = key(card) {
                    groups.entry(k).or_default().push(i);
                }
            }
            groups
        };
        let appeared = group(self.appeared, &self.appeared_free);
        let mut vanished = group(self.vanished, &self.vanished_free);
        for (k, new) in appeared {
            let Some(old) = vanished.remove(&k) else {
                continue;
            };
            let unique = new.len() == 1 && old.len() == 1;
            let identical_twins = evidence == Evidence::SameCard && new.len() == old.len();
            if !(unique || identical_twins) {
                continue;
            }
            for (a, v) in new.into_iter().zip(old) {
                if evidence == Evidence::SameFrontSimilarBack
                    && similarity(&self.appeared[a].back, &self.vanished[v].back) < SIMILAR_BACK
                {
                    continue;
                }
                self.appeared_free[a] = false;
                self.vanished_free[v] = false;
                self.pairs.push(Pair {
                    appeared: a,
                    vanished: v,
                    evidence,
                });
            }
        }
    }
}

impl Pairing<'_> {
    /// Pairs free cards whose `compared_text` is nearly the same, each the
    /// other's only such match, both ways. For `SameContextSimilarText`
    /// the two must share their context too.
    fn nearly_the_same(&mut self, evidence: Evidence) {
        let same_context = evidence == Evidence::SameContextSimilarText;
        let free = |cards: &[Candidate], free: &[bool]| -> Vec<(usize, Bigrams)> {
            cards
                .iter()
                .enumerate()
                .filter(|&(i, _)| free[i])
                .filter_map(|(i, c)| Some((i, Bigrams::of(&compared_text(evidence, c)?))))
                .collect()
        };
        let appeared = free(self.appeared, &self.appeared_free);
        let vanished = free(self.vanished, &self.vanished_free);
        if appeared.is_empty() || appeared.len() * vanished.len() > MAX_COMPARISONS {
            return;
        }
        // For each card, the cards on the other side nearly the same.
        let mut near_appeared = vec![Vec::new(); appeared.len()];
        let mut near_vanished = vec![Vec::new(); vanished.len()];
        for (a, (ai, a_bigrams)) in appeared.iter().enumerate() {
            for (v, (vi, v_bigrams)) in vanished.iter().enumerate() {
                let context_holds =
                    !same_context || self.appeared[*ai].context == self.vanished[*vi].context;
                if context_holds && a_bigrams.dice(v_bigrams) >= NEARLY_SAME {
                    near_appeared[a].push(v);
                    near_vanished[v].push(a);
                }
            }
        }
        for (a, near) in near_appeared.iter().enumerate() {
            if let [v] = near[..] {
                if near_vanished[v] == [a] {
                    let (a, v) = (appeared[a].0, vanished[v].0);
                    self.appeared_free[a] = false;
                    self.vanished_free[v] = false;
                    self.pairs.push(Pair {
                        appeared: a,
                        vanished: v,
                        evidence,
                    });
                }
            }
        }
    }
}

/// What `nearly_the_same` compares of a card for `evidence`: its front and
/// back, or its back when it tells the card (`is_telling`).
fn compared_text(evidence: Evidence, card: &Candidate) -> Option<Cow<'_, str>> {
    match evidence {
        Evidence::SameContextSimilarText => Some(format!("{}\n{}", card.front, card.back).into()),
        _ => is_telling(&card.back).then_some(Cow::Borrowed(card.back.as_str())),
    }
}

fn is_telling(back: &str) -> bool {
    // A topic lists the cards under it by their fronts: two names or more
    // tell it (`- 食べる` `- 飲む`), however short.
    let listed = back
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .count();
    listed >= 2 || back.chars().filter(|c| !c.is_whitespace()).count() >= TELLING_BACK_CHARS
}

/// Dice's coefficient over the character bigrams of two texts, spaces left
/// out: 1 for the same text, 0 for texts with no two characters in common.
/// Bigrams suit Japanese, which has no spaces, and English alike.
fn similarity(a: &str, b: &str) -> f64 {
    Bigrams::of(a).dice(&Bigrams::of(b))
}

/// The character bigrams of a text, sorted, each as often as it occurs.
#[derive(Clone)]
struct Bigrams(Vec<(char, char)>);

impl Bigrams {
    fn of(text: &str) -> Self {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut bigrams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        bigrams.sort_unstable();
        Bigrams(bigrams)
    }

    fn dice(&self, other: &Bigrams) -> f64 {
        let total = self.0.len() + other.0.len();
        if total == 0 {
            return 0.0;
        }
        // Both sorted: walk them together, counting each shared occurrence.
        let (mut i, mut j, mut shared) = (0, 0, 0);
        while i < self.0.len() && j < other.0.len() {
            match self.0[i].cmp(&other.0[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        2.0 * shared as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(front: &str, back: &str, context: &str) -> Candidate {
        Candidate {
            front: front.into(),
            back: back.into(),
            context: context.into(),
        }
    }

    fn evidence(appeared: &[Candidate], vanished: &[Candidate]) -> Vec<(usize, usize, Evidence)> {
        pair(appeared, vanished)
            .into_iter()
            .map(|p| (p.appeared, p.vanished, p.evidence))
            .collect()
    }

    #[test]
    fn a_front_that_took_in_its_lead_in_pairs_in_its_context() {
        let old = card(
            "AWS Systems Manager",
            "以下の方法で通信を確立できます：\n- インターネット経由\n- VPC エンドポイント経由",
            "41",
        );
        let new = card(
            "AWS Systems Manager は、以下の方法で通信を確立できます",
            "- インターネット経由\n- VPC エンドポイント経由",
            "41",
        );
        assert_eq!(
            evidence(std::slice::from_ref(&new), std::slice::from_ref(&old)),
            [(0, 0, Evidence::SameContextSimilarText)]
        );
        // In another context it is another card.
        let elsewhere = card(&new.front, &new.back, "42");
        assert_eq!(evidence(&[elsewhere], &[old]), []);
    }

    #[test]
    fn a_moved_card_pairs_as_the_same_card() {
        let moved = card("監視", "リソースを継続的に観察すること", "運用");
        assert_eq!(
            evidence(std::slice::from_ref(&moved), std::slice::from_ref(&moved)),
            [(0, 0, Evidence::SameCard)]
        );
    }

    #[test]
    fn renamed_headings_keep_front_and_back() {
        let old = card("食べる", "to eat", "動詞");
        let new = card("食べる", "to eat", "動詞（基本）");
        assert_eq!(
            evidence(&[new], &[old]),
            [(0, 0, Evidence::SameFrontAndBack)]
        );
    }

    #[test]
    fn an_edited_back_in_a_renamed_section_pairs_when_the_backs_are_alike() {
        let old = card("監視", "リソースを継続的に観察すること", "運用");
        let edited = card(
            "監視",
            "リソースを継続的に観察すること（改訂）",
            "運用の基本",
        );
        assert_eq!(
            evidence(&[edited], std::slice::from_ref(&old)),
            [(0, 0, Evidence::SameFrontSimilarBack)]
        );
        // The same front with another definition is another card.
        let other = card(
            "監視",
            "CloudWatch のアラームで通知を受け取る仕組み",
            "別の章",
        );
        assert_eq!(evidence(&[other], &[old]), []);
    }

    #[test]
    fn a_renamed_front_pairs_by_a_telling_back_only() {
        let old = card("ec2", "仮想サーバーを提供するサービス", "");
        let new = card("amazon ec2", "仮想サーバーを提供するサービス", "");
        assert_eq!(evidence(&[new], &[old]), [(0, 0, Evidence::SameBack)]);
        assert_eq!(
            evidence(&[card("b", "なし", "")], &[card("a", "なし", "")]),
            []
        );
    }

    #[test]
    fn ambiguous_evidence_pairs_nothing() {
        // Two cards fronted 概要 vanished and two appeared, all with other
        // backs and headings: nothing tells which is which.
        let vanished = [
            card("概要", "ストレージサービスの説明その一", "S3"),
            card("概要", "データベースサービスの説明その二", "RDS"),
        ];
        let appeared = [
            card("概要", "キューサービスの説明その三", "SQS"),
            card("概要", "通知サービスの説明その四", "SNS"),
        ];
        assert_eq!(evidence(&appeared, &vanished), []);
    }

    #[test]
    fn stronger_evidence_settles_what_weaker_cannot() {
        // Both 概要 cards moved to another file: their backs tell them apart.
        let vanished = [
            card("概要", "ストレージサービスの説明", "S3"),
            card("概要", "データベースサービスの説明", "RDS"),
        ];
        let appeared = [vanished[1].clone(), vanished[0].clone()];
        assert_eq!(
            evidence(&appeared, &vanished),
            [(0, 1, Evidence::SameCard), (1, 0, Evidence::SameCard)]
        );
    }

    #[test]
    fn identical_twins_pair_in_note_order() {
        let twin = card("注意", "本番環境では必ず確認すること", "運用");
        let pairs = evidence(&[twin.clone(), twin.clone()], &[twin.clone(), twin]);
        assert_eq!(
            pairs,
            [(0, 0, Evidence::SameCard), (1, 1, Evidence::SameCard)]
        );
    }

    #[test]
    fn a_renamed_heading_over_an_edited_section_pairs_by_a_nearly_same_back() {
        let old = card(
            "移動",
            "- 行く: ある場所から別の場所へ移ること\n- 来る: 話し手のいる場所へ近づくこと",
            "語彙",
        );
        // The chapter above renamed too: no context in common.
        let new = card(
            "移動の動詞",
            "- 行く: ある場所から別の場所へ移動すること\n- 来る: 話し手のいる場所へ近づくこと",
            "語彙（N5）",
        );
        assert_eq!(
            evidence(std::slice::from_ref(&new), std::slice::from_ref(&old)),
            [(0, 0, Evidence::SimilarBack)]
        );
        // Two vanished sections alike: which one was renamed is not known.
        let twin = card("移動2", &old.back.replace("来る", "帰る"), "語彙");
        assert_eq!(evidence(&[new], &[old, twin]), []);
    }

    #[test]
    fn similarity_of_backs() {
        assert_eq!(similarity("同じ文章", "同じ文章"), 1.0);
        assert_eq!(similarity("あいう", "かきく"), 0.0);
        assert!(similarity("仮想サーバーを提供する", "仮想サーバーを提供するサービス") > 0.8);
    }
}
