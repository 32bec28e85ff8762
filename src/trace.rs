//! What the extractor decided for each part of a note, as data: the rule
//! that made each card, and why a head made none. Recorded only when asked
//! (`notedeck explain`); an extraction without a trace records nothing.

use std::ops::RangeInclusive;

/// The rule of docs/extraction.md that made a card, named as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Question,
    TermWithDefinition,
    TermAfterLabel,
    LinkOnlyTerm,
    NameLine,
    Topic,
    SectionTopic,
    LabelSequence,
    BoldFirst,
    TermFirst,
    TermLast,
    ExplainedInEnglish,
    SentenceOfParagraph,
    DefiningLine,
    TableRow,
}

impl Rule {
    /// Its name in docs/extraction.md.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Question => "2. Question",
            Rule::TermWithDefinition => "3. Term with definition",
            Rule::TermAfterLabel => "3. Term with definition: after a label",
            Rule::LinkOnlyTerm => "3b. A link-only item with something said under it",
            Rule::NameLine => "3c. A name line, its definition on the next line",
            Rule::Topic => "4. Topic",
            Rule::SectionTopic => "4. Topic: a section with a body of its own",
            Rule::LabelSequence => "6. Label sequence",
            Rule::BoldFirst => "7. Definition sentence: bold first",
            Rule::TermFirst => "7. Definition sentence: term first",
            Rule::TermLast => "7. Definition sentence: term last",
            Rule::ExplainedInEnglish => {
                "7. Definition sentence: a Japanese word a learner explains in English"
            }
            Rule::SentenceOfParagraph => "7. Definition sentence: a sentence of a paragraph",
            Rule::DefiningLine => "Lines and blocks: a definition a line",
            Rule::TableRow => "Tables: rows that name things",
        }
    }
}

/// Why an item, paragraph or heading made no card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCard {
    /// The note's `#` title: it names the deck.
    Title,
    /// Only an image, a link, code or JSON.
    OnlyMediaOrCode,
    /// Links or addresses, or a name over nothing but them.
    Bookmarks,
    /// A label (`参考`, `Keywords:`) that files what follows.
    Label,
    /// A heading that numbers or files things (`## 41.`, `Q3`, a date).
    Filing,
    /// A section with nothing of its own before its subsections.
    NoBody,
    /// A question with no answer under it.
    Unanswered,
    /// A sentence, not a name: says something, defines nothing.
    Sentence,
    /// A run of labelled items, taken by the card of the first.
    InSequence,
    /// A fact of one question's case: what it requires, or under its
    /// scenario what it narrates.
    CaseFact,
    /// A numbered step of a procedure whose front only names its action
    /// (`6. リソースのデプロイ`).
    ProcedureStep,
    /// A card that names again the card it is in (`CNAME レコード:` over
    /// `CNAME レコードは、…`, `## EFS` opening with `**Amazon EFS**は、…`).
    SaidAbove,
    /// A topic whose whole content is one card: a title over it, which
    /// that card keeps in its context.
    TitleOfOne,
    /// A definition that only says when the course teaches the term
    /// (`Day2前半で学習`), over nothing but links.
    Schedule,
    /// None of the rules applies: no separator, nothing under it, no
    /// definition sentence.
    NoRule,
}

impl NoCard {
    pub fn why(self) -> &'static str {
        match self {
            NoCard::Title => "the note's title (it names the deck)",
            NoCard::OnlyMediaOrCode => "only an image, a link or code",
            NoCard::Bookmarks => "only links or addresses: nothing to recall",
            NoCard::Label => "a label: it files what follows",
            NoCard::Filing => "a heading that numbers or files things",
            NoCard::NoBody => "a section with no body of its own",
            NoCard::Unanswered => "a question with nothing under it",
            NoCard::Sentence => "a sentence: it defines nothing",
            NoCard::InSequence => "part of the label sequence above",
            NoCard::CaseFact => "a fact of the question's case: it stays in the back above",
            NoCard::ProcedureStep => {
                "a step of a procedure that names only its action: it stays in the back above"
            }
            NoCard::SaidAbove => "names the card above again: it stays whole in that back",
            NoCard::TitleOfOne => "a title over one card, which keeps it in its context",
            NoCard::Schedule => "only when the course teaches it, over links: nothing to recall",
            NoCard::NoRule => "no rule applies (no separator, nothing under it, no definition)",
        }
    }
}

/// A block that is never a card itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Code,
    Table,
    Html,
    Quote,
    Other,
}

impl Block {
    /// Told from the block's source (an indented code block, which starts
    /// like a paragraph, is `Other`).
    pub fn of(source: &str) -> Block {
        let text = source.trim_start();
        if text.starts_with("```") || text.starts_with("~~~") {
            Block::Code
        } else if text.starts_with('|') {
            Block::Table
        } else if text.starts_with('<') {
            Block::Html
        } else if text.starts_with('>') {
            Block::Quote
        } else {
            Block::Other
        }
    }

    pub fn why(self) -> &'static str {
        match self {
            Block::Code => "inside a code block",
            Block::Table => {
                "a table line that is no card (its header, a comparison, a row with nothing to recall)"
            }
            Block::Html => "HTML",
            Block::Quote => "a quote",
            Block::Other => "a block that is no card",
        }
    }
}

/// What became of the lines of one part of a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The head of the card at this index of the note's cards.
    Card(usize),
    NoCard(NoCard),
    Block(Block),
    /// Under `<!-- notedeck: skip -->`.
    Skipped,
}

/// One part of a note: its lines (1-based) and what became of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub lines: RangeInclusive<usize>,
    pub outcome: Outcome,
}

/// The decisions of one extraction, in the order it made them.
#[derive(Debug, Default)]
pub struct Trace {
    /// The rule of each card, in the order of the cards.
    pub rules: Vec<Rule>,
    pub steps: Vec<Step>,
}
