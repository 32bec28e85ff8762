//! Searching the index: query syntax, the FTS5 query, ranking and snippets.
//!
//! Syntax: words are AND-ed; `"a phrase"` keeps its words together; `-word`
//! excludes; `front:word` looks only at fronts. Each word or phrase is
//! tokenized as the index is (`japanese::tokens`) into an FTS5 phrase.

use std::collections::HashSet;
use std::ops::Range;

use anyhow::bail;
use rusqlite::{Connection, OptionalExtension, ToSql};
use serde::Serialize;

use crate::card::{Card, Kind};
use crate::index::{self, CARD_COLUMNS};
use crate::japanese::tokens::{self, FoldedText};
use crate::japanese::width::{columns, fit};

/// bm25 weights of the FTS5 columns front, context and back: a word in the
/// front says far more about what a card is about than one in its back.
const WEIGHTS: (f64, f64, f64) = (10.0, 2.0, 1.0);

/// One word or quoted phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub text: String,
    /// `-word`: cards with it are left out.
    pub excluded: bool,
    /// `front:word`: only the front is searched.
    pub front_only: bool,
}

/// Splits a query into its clauses.
pub fn parse(query: &str) -> Vec<Clause> {
    clauses_with_spans(query)
        .map(|(clause, _)| clause)
        .collect()
}

/// The clauses of a query, each with where it is in the query.
fn clauses_with_spans(query: &str) -> impl Iterator<Item = (Clause, Range<usize>)> + '_ {
    let mut rest = query.trim_start();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = query.len() - rest.len();
        let mut clause = Clause {
            text: String::new(),
            excluded: false,
            front_only: false,
        };
        if let Some(after) = rest
            .strip_prefix('-')
            .filter(|a| a.starts_with(|c: char| !c.is_whitespace()))
        {
            clause.excluded = true;
            rest = after;
        }
        if let Some(after) = rest
            .strip_prefix("front:")
            .filter(|a| a.starts_with(|c: char| !c.is_whitespace()))
        {
            clause.front_only = true;
            rest = after;
        }
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted.find('"').unwrap_or(quoted.len());
            clause.text = quoted[..close].to_string();
            1 + (close + 1).min(quoted.len())
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            clause.text = rest[..end].to_string();
            end
        };
        let span = start..query.len() - rest.len() + end;
        rest = rest[end..].trim_start();
        Some((clause, span))
    })
}

/// The longest query read, in characters: reading it and comparing it
/// with fronts cost its length, and no one types one this long.
pub const MAX_QUERY_CHARS: usize = 20_000;

/// The most words and phrases a query holds, and the most characters they
/// hold together: each token of each is one more list of cards that FTS5
/// reads, in each tier. A word or phrase repeated is the same query, and
/// counts once.
pub const MAX_QUERY_TERMS: usize = 32;
pub const MAX_QUERY_TERM_CHARS: usize = 256;

/// A query as searched: its clauses, each once (a word or phrase ANDed
/// twice is the same query), and its text without the repeats, which
/// fronts are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub clauses: Vec<Clause>,
}

impl Query {
    /// The query `text` with its repeats dropped, or an error naming the
    /// bound it passes.
    pub fn new(text: &str) -> anyhow::Result<Query> {
        let length = text.chars().count();
        if length > MAX_QUERY_CHARS {
            bail!(
                "the query is {length} characters long; the limit is {MAX_QUERY_CHARS} characters"
            );
        }
        let mut seen = HashSet::new();
        let mut clauses = Vec::new();
        let mut spans = Vec::new();
        let mut repeats = false;
        for (clause, span) in clauses_with_spans(text) {
            // The same FTS5 phrase is the same clause (`ＤＬＱ` and `dlq`).
            let phrase = fts_phrase(&clause).unwrap_or_else(|| clause.text.clone());
            if seen.insert((clause.excluded, phrase)) {
                clauses.push(clause);
                spans.push(span);
            } else {
                repeats = true;
            }
        }
        let searched: Vec<&Clause> = clauses.iter().filter(|c| fts_phrase(c).is_some()).collect();
        if searched.len() > MAX_QUERY_TERMS {
            bail!(
                "the query has {} different words and phrases; the limit is {MAX_QUERY_TERMS} words and phrases",
                searched.len()
            );
        }
        let characters: usize = searched.iter().map(|c| c.text.chars().count()).sum();
        if characters > MAX_QUERY_TERM_CHARS {
            bail!("the words and phrases of the query hold {characters} characters; the limit is {MAX_QUERY_TERM_CHARS} characters");
        }
        let text = if repeats {
            let kept: Vec<&str> = spans.into_iter().map(|span| &text[span]).collect();
            kept.join(" ")
        } else {
            text.to_string()
        };
        Ok(Query { text, clauses })
    }
}

/// The FTS5 phrase of a clause (`front : "監視" *`), not yet excluded;
/// `None` when it holds no letters, digits, kana or kanji.
fn fts_phrase(clause: &Clause) -> Option<String> {
    let phrase = tokens::query_phrase(&clause.text)?;
    // Tokens hold only letters, digits, kana and kanji: no quote to escape.
    let mut fts = format!("\"{}\"", phrase.tokens.join(" "));
    if phrase.prefix {
        fts.push_str(" *");
    }
    if clause.front_only {
        fts = format!("front : {fts}");
    }
    Some(fts)
}

/// A query as FTS5 MATCH expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchExpression {
    /// The words and phrases a card must have, AND-ed.
    pub wanted: String,
    /// The excluded ones, OR-ed: a card with any of them is left out.
    pub unwanted: Option<String>,
}

/// The FTS5 MATCH expressions of a query.
pub fn match_expression(clauses: &[Clause]) -> anyhow::Result<MatchExpression> {
    let mut wanted = Vec::new();
    let mut unwanted = Vec::new();
    for clause in clauses {
        let Some(fts) = fts_phrase(clause) else {
            continue;
        };
        if clause.excluded {
            &mut unwanted
        } else {
            &mut wanted
        }
        .push(fts);
    }
    if wanted.is_empty() {
        bail!("nothing to search for: the query needs a word of letters, digits, kana or kanji that is not excluded");
    }
    Ok(MatchExpression {
        wanted: wanted.join(" AND "),
        unwanted: (!unwanted.is_empty()).then(|| unwanted.join(" OR ")),
    })
}

/// Restrictions besides the query.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// A deck and its subdecks (`aws` takes in `aws::DOP`).
    pub deck: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<Kind>,
}

/// A card found, with its relevance (higher is better) and what to show of it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub card: Card,
    pub score: f64,
    /// Where the query matched, the matched text marked.
    pub snippet: Snippet,
}

impl Hit {
    /// The JSON object of `search --json`: the keys of `extract --format
    /// jsonl`, then `score` and `snippet` (plain text).
    pub fn to_json(&self) -> serde_json::Result<String> {
        #[derive(Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            card: &'a Card,
            score: f64,
            snippet: String,
        }
        serde_json::to_string(&Json {
            card: &self.card,
            score: self.score,
            snippet: self.snippet.fit(JSON_SNIPPET_COLUMNS).plain(),
        })
    }
}

/// The filters as a condition on `cards`, with parameters ?2 (deck), ?3
/// (tag) and ?4 (kind), each NULL when not given.
const FILTERS: &str = "(?2 IS NULL OR deck = ?2 OR substr(deck, 1, length(?2) + 2) = ?2 || '::') \
     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(cards.tags) WHERE value = ?3)) \
     AND (?4 IS NULL OR kind = ?4)";

/// Where a card matched, best first. A hit's score is its tier plus its
/// bm25 within the tier squashed into [0, 1), so scores sort as hits do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Only in context or back (or the words are split between the parts).
    Body = 1,
    /// The front has every wanted word.
    Front = 2,
    /// The front is the query.
    ExactFront = 3,
}

impl Tier {
    /// A hit's score: bm25 is lower for better matches, people expect the
    /// opposite, and every hit of a tier outranks those of the tiers below.
    fn score(self, rank: f64) -> f64 {
        let relevance = (-rank).max(0.0);
        f64::from(self as u8) + relevance / (1.0 + relevance)
    }
}

/// The best `limit` cards for `query`: cards whose front is the query come
/// first, then cards whose front has its words, then the cards that have
/// them elsewhere, by bm25 with the front weighted above context and back.
///
/// The cost is bm25 scoring every match, not finding them. Fronts have an
/// FTS5 table of their own whose rows come shortest first
/// (`index::front_rowid`): the front tier takes the first `limit` matches,
/// bm25's best when each word occurs once in the front, and scores only
/// those. The large doclists of context and back are ranked only when the
/// fronts give fewer than `limit` hits, and then at most `BODY_RANKED` of
/// them. Only the cards shown are read.
pub fn search(
    conn: &Connection,
    query: &str,
    filters: &Filters,
    limit: usize,
) -> anyhow::Result<Vec<Hit>> {
    let query = Query::new(query)?;
    let expression = match_expression(&query.clauses)?;
    if let Some(deck) = &filters.deck {
        check_deck(conn, deck)?;
    }
    let found = ranked_ids(conn, &query.text, &expression, filters, limit)?;
    let terms = highlight_terms(&query.text);
    let mut card = conn.prepare(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = ?1"))?;
    found
        .into_iter()
        .map(|(id, score)| {
            let indexed = card.query_row([id], index::read_card)?;
            let snippet = Snippet::of(&indexed.card, &terms);
            Ok(Hit {
                card: indexed.card,
                score,
                snippet,
            })
        })
        .collect()
}

/// Decks an unknown-deck message names; more are counted.
const DECKS_NAMED: usize = 5;

/// A deck that is not in the index, nor the parent of one, is a mistake
/// (a typo, another `--out`) rather than a search without hits: says so,
/// naming decks there are.
fn check_deck(conn: &Connection, deck: &str) -> anyhow::Result<()> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cards WHERE deck = ?1 OR (deck >= ?1 || '::' AND deck < ?1 || ':;'))",
        [deck],
        |row| row.get(0),
    )?;
    if known {
        return Ok(());
    }
    let decks: Vec<String> = conn
        .prepare("SELECT DISTINCT deck FROM cards ORDER BY deck")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut named = decks
        .iter()
        .take(DECKS_NAMED)
        .map(|d| format!("`{d}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if decks.len() > DECKS_NAMED {
        named.push_str(&format!(" and {} more", decks.len() - DECKS_NAMED));
    }
    if decks.is_empty() {
        bail!("unknown deck `{deck}`: the index has no cards");
    }
    bail!("unknown deck `{deck}`; the decks are {named}");
}

/// The most matches the body tier ranks. bm25 looks up the length of every
/// card it scores, about 0.7 µs a card: a word in 100,000 cards (`監視` in
/// a million) took 70 ms to rank. Past this many matches (after filters
/// and exclusions) the tier ranks those with the highest card ids, which
/// reading the matches backwards finds in about a millisecond: a card keeps
/// its id when it changes, so these are the cards that appeared last. Its
/// hits are then the best of those, not of every match; a word that common
/// says little about which card is meant, and a collection of a few
/// thousand cards never meets the bound.
const BODY_RANKED: usize = 2_000;

/// The card ids and scores of the best `limit` cards, tier by tier.
fn ranked_ids(
    conn: &Connection,
    query: &str,
    expression: &MatchExpression,
    filters: &Filters,
    limit: usize,
) -> anyhow::Result<Vec<(i64, f64)>> {
    let any_filter = filters.deck.is_some() || filters.tag.is_some() || filters.kind.is_some();
    let front_key = index::front_key(query);
    // A front equal to the query has the query's tokens: its row id in
    // `fronts_fts` is this ORed with the card's id.
    let exact_rowid = index::front_rowid(0, &tokens::index_text(query));
    let kind = filters.kind.map(Kind::as_str);
    let sql_limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let params: [&dyn ToSql; 8] = [
        &expression.wanted,
        &filters.deck,
        &filters.tag,
        &kind,
        &front_key,
        &sql_limit,
        &exact_rowid,
        &expression.unwanted,
    ];
    let mut found: Vec<(i64, f64)> = Vec::new();
    for tier in [Tier::ExactFront, Tier::Front, Tier::Body] {
        if found.len() >= limit {
            break;
        }
        let mut conditions = tier_conditions(tier, any_filter, expression.unwanted.is_some());
        if tier == Tier::Body {
            if let Some(start) = body_start_id(conn, &conditions, &params)? {
                conditions.push_str(&format!(" AND rowid >= {start}"));
            }
        }
        let mut stmt = conn.prepare(&ranked_sql(tier, &conditions))?;
        // Each tier's query takes the parameters up to the last it uses.
        let used = &params[..stmt.parameter_count()];
        let mut new: Vec<(i64, f64)> = Vec::new();
        for row in stmt.query_map(used, |row| Ok((row.get(0)?, row.get(1)?)))? {
            let (id, rank) = row?;
            // A card ranked in a higher tier is met again in the lower ones.
            if found.len() + new.len() < limit && !found.iter().any(|&(seen, _)| seen == id) {
                new.push((id, tier.score(rank)));
            }
        }
        // The fronts come shortest first: show them by bm25.
        new.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.extend(new);
    }
    Ok(found)
}

/// The lowest card id the body tier ranks: none when the tier's matches are
/// no more than `BODY_RANKED`, else that of the `BODY_RANKED`th match from
/// the highest id.
fn body_start_id(
    conn: &Connection,
    conditions: &str,
    params: &[&dyn ToSql],
) -> anyhow::Result<Option<i64>> {
    let offset = BODY_RANKED - 1;
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid FROM cards_fts WHERE {conditions} ORDER BY rowid DESC LIMIT 1 OFFSET {offset}"
    ))?;
    let used = &params[..stmt.parameter_count()];
    Ok(stmt.query_row(used, |row| row.get(0)).optional()?)
}

/// The table, card id and bm25 of a tier's query.
fn tier_columns(tier: Tier) -> (&'static str, String, String) {
    let (front, context, back) = WEIGHTS;
    match tier {
        Tier::Body => (
            "cards_fts",
            "rowid".to_string(),
            format!("bm25(cards_fts, {front}, {context}, {back})"),
        ),
        Tier::Front | Tier::ExactFront => (
            "fronts_fts",
            format!("(rowid & {})", (1_i64 << index::FRONT_ID_BITS) - 1),
            "bm25(fronts_fts)".to_string(),
        ),
    }
}

/// The query of one tier, giving card ids and bm25 (parameters as in
/// `tier_conditions`, ?6 the limit). The fronts' table is read in row id
/// order, shortest fronts first; the body tier by bm25.
fn ranked_sql(tier: Tier, conditions: &str) -> String {
    let (table, id, rank) = tier_columns(tier);
    let order = if tier == Tier::Body { "rank" } else { "rowid" };
    format!("SELECT {id}, {rank} AS rank FROM {table} WHERE {conditions} ORDER BY {order} LIMIT ?6")
}

/// Which rows of its table a tier takes: ?1 the wanted words, ?2 to ?4 the
/// filters (`FILTERS`), ?5 the front key, ?7 the row id of an exact front
/// without its card id, ?8 the excluded words when `excluding`. Exclusions
/// look at the whole card, whatever the tier.
fn tier_conditions(tier: Tier, filtered: bool, excluding: bool) -> String {
    let (table, id, _) = tier_columns(tier);
    let mut conditions = vec![format!("{table} MATCH ?1")];
    if tier == Tier::ExactFront {
        // On the row id itself, which FTS5 looks up rather than scanning
        // every match for the card id.
        conditions.push(format!(
            "rowid IN (SELECT ?7 | id FROM cards WHERE front_key = ?5 AND {FILTERS})"
        ));
    } else if filtered {
        conditions.push(format!("{id} IN (SELECT id FROM cards WHERE {FILTERS})"));
    }
    if excluding {
        conditions.push(format!(
            "{id} NOT IN (SELECT rowid FROM cards_fts WHERE cards_fts MATCH ?8)"
        ));
    }
    conditions.join(" AND ")
}

/// Text in pieces, the matched ones marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub pieces: Vec<(String, bool)>,
}

/// How wide a snippet is in JSON, where there is no terminal to fit.
const JSON_SNIPPET_COLUMNS: usize = 160;

/// How many characters of the text before the first match a snippet shows.
const LEAD: usize = 12;

impl Snippet {
    /// `text` with the matches of `terms` (folded) marked.
    pub fn highlight(text: &str, terms: &[String]) -> Snippet {
        Self::from_ranges(text, &FoldedText::new(text).matches(terms))
    }

    fn from_ranges(text: &str, ranges: &[Range<usize>]) -> Snippet {
        let mut pieces = Vec::new();
        let mut at = 0;
        for range in ranges {
            if range.start > at {
                pieces.push((text[at..range.start].to_string(), false));
            }
            pieces.push((text[range.clone()].to_string(), true));
            at = range.end;
        }
        if at < text.len() {
            pieces.push((text[at..].to_string(), false));
        }
        Snippet { pieces }
    }

    /// What to show of a card's back: from a little before the first match,
    /// or from its start when the query matched only the front or context
    /// (which are shown whole beside it).
    pub fn of(card: &Card, terms: &[String]) -> Snippet {
        let back = &card.back;
        let ranges = FoldedText::new(back).matches(terms);
        let Some(first) = ranges.first() else {
            return Self::from_ranges(back, &[]);
        };
        let start = back[..first.start]
            .char_indices()
            .rev()
            .nth(LEAD - 1)
            .map_or(0, |(i, _)| i);
        let shifted: Vec<Range<usize>> = ranges
            .iter()
            .map(|r| r.start - start..r.end - start)
            .collect();
        let mut snippet = Self::from_ranges(&back[start..], &shifted);
        if start > 0 {
            snippet.pieces.insert(0, ("…".to_string(), false));
        }
        snippet
    }

    /// The text without marks.
    pub fn plain(&self) -> String {
        self.pieces.iter().map(|(text, _)| text.as_str()).collect()
    }

    /// Cut to `max` terminal columns on one line (`width::fit`), keeping marks.
    pub fn fit(&self, max: usize) -> Snippet {
        let plain = self.plain();
        // `fit` keeps a prefix of the characters (whitespace made spaces),
        // then `…` when it cut: hand the prefix back to the pieces in order.
        let mut kept: Vec<char> = fit(&plain, max).chars().collect();
        let ellipsis = if columns(&plain) > max {
            kept.pop()
        } else {
            None
        };
        let mut kept = kept.into_iter();
        let mut pieces = Vec::new();
        for (text, marked) in &self.pieces {
            let piece: String = kept.by_ref().take(text.chars().count()).collect();
            if piece.is_empty() {
                break;
            }
            pieces.push((piece, *marked));
        }
        pieces.extend(ellipsis.map(|c| (c.to_string(), false)));
        Snippet { pieces }
    }

    /// The text with marked pieces in bold (ANSI), or plain.
    pub fn render(&self, bold: bool) -> String {
        self.pieces
            .iter()
            .map(|(text, marked)| {
                if *marked && bold {
                    format!("\x1b[1m{text}\x1b[0m")
                } else {
                    text.clone()
                }
            })
            .collect()
    }
}

/// How hits are printed for people: front; deck, place and context; snippet.
/// Each line fits `columns`.
pub fn render_hit(hit: &Hit, terms: &[String], columns: usize, bold: bool) -> String {
    let card = &hit.card;
    let front = Snippet::highlight(&card.front, terms)
        .fit(columns)
        .render(bold);
    let mut about = format!("{} · {}:{}", card.deck, card.file, card.line);
    if !card.context.is_empty() {
        about.push_str(&format!(" · {}", card.context.join(" › ")));
    }
    let about = fit(&about, columns.saturating_sub(2));
    let snippet = hit.snippet.fit(columns.saturating_sub(2)).render(bold);
    format!("{front}\n  {about}\n  {snippet}\n")
}

/// The words a query's hits highlight, each once.
pub fn highlight_terms(query: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    parse(query)
        .iter()
        .filter(|c| !c.excluded)
        .flat_map(|c| tokens::highlight_terms(&c.text))
        .filter(|term| seen.insert(term.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(query: &str) -> (String, Option<String>) {
        let expression = match_expression(&parse(query)).unwrap();
        (expression.wanted, expression.unwanted)
    }

    fn wanted(query: &str) -> String {
        expression(query).0
    }

    #[test]
    fn words_are_anded_and_each_is_a_phrase() {
        assert_eq!(wanted("ポート 443"), "\"ポー ート\" AND \"443\"");
        assert_eq!(wanted("cfn-signal"), "\"cfn signal\"");
        assert_eq!(wanted("監"), "\"監\" *");
    }

    #[test]
    fn quotes_exclusion_and_front() {
        assert_eq!(wanted("\"Systems Manager\""), "\"systems manager\"");
        assert_eq!(
            expression("キュー -デッド -front:dlq"),
            (
                "\"キュ ュー\"".into(),
                Some("\"デッ ッド\" OR front : \"dlq\"".into())
            )
        );
        assert_eq!(wanted("front:監視"), "front : \"監視\"");
        assert_eq!(
            parse("-front:\"a b\" c"),
            vec![
                Clause {
                    text: "a b".into(),
                    excluded: true,
                    front_only: true
                },
                Clause {
                    text: "c".into(),
                    excluded: false,
                    front_only: false
                },
            ]
        );
    }

    #[test]
    fn repeated_words_and_phrases_are_searched_once() {
        let query = Query::new("用語 \"用語\" ＤＬＱ dlq -x -x 用語").unwrap();
        assert_eq!(query.text, "用語 ＤＬＱ -x");
        assert_eq!(query.clauses.len(), 3);
        assert_eq!(wanted(&query.text), "\"用語\" AND \"dlq\"");
        // A query without repeats is searched as written.
        assert_eq!(Query::new(" 用語  定義").unwrap().text, " 用語  定義");
    }

    #[test]
    fn a_query_of_exclusions_or_punctuation_is_refused() {
        assert!(match_expression(&parse("-監視")).is_err());
        assert!(match_expression(&parse("、。 -")).is_err());
    }

    #[test]
    fn snippets_start_shortly_before_the_match_and_fit_in_columns() {
        let card = Card {
            guid: "g".into(),
            deck: "d".into(),
            front: "SQS".into(),
            back: "メッセージは、詳細な分析や再処理のためにデッドレターキューに保持されます。"
                .into(),
            back_html: String::new(),
            context: vec![].into(),
            tags: vec![].into(),
            kind: Kind::Term,
            file: "f.md".into(),
            line: 1,
            note_type: Default::default(),
        };
        let snippet = Snippet::of(&card, &["デッドレター".to_string()]);
        assert_eq!(
            snippet.plain(),
            "…細な分析や再処理のためにデッドレターキューに保持されます。"
        );
        let fitted = snippet.fit(30);
        assert_eq!(fitted.render(false), "…細な分析や再処理のためにデッ…");
        assert_eq!(
            fitted.render(true),
            "…細な分析や再処理のために\x1b[1mデッ\x1b[0m…"
        );
    }
}
