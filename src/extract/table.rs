//! Tables → cards (docs/extraction.md, "Tables"): a table whose rows name
//! things makes a card a row, fronted by the row's name, its back the
//! other cells each under its header; a table that compares things makes
//! none (its rows name the points compared, not things to learn).

use super::{Draft, Walk};
use crate::card::Kind;
use crate::japanese::phrase::{self, clean_front};
use crate::japanese::script::{is_pictograph, is_space, is_tree_mark};
use crate::japanese::TrimSpaces;
use crate::outline::{Cell, Row, Table};
use crate::trace::Rule;

impl Walk<'_> {
    /// A card for each row of `table` that names something
    /// (`table::row_cards`); a `└─` row is a part of the row above it,
    /// which is its context.
    pub(super) fn table(&mut self, table: &Table) {
        let mut under_row = false;
        let mut above = None;
        for row in row_cards(table, &self.outline.source) {
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
                back: row.back.into(),
                line: row.line,
                rule: Rule::TableRow,
            });
        }
        if under_row {
            self.leave();
        }
    }
}

/// A row read as a card.
pub(super) struct RowCard<'t> {
    /// The name cell's text, without the emoji or tree marks before it.
    pub name: &'t str,
    /// Markdown: the other cells, each under its header.
    pub back: String,
    pub line: usize,
    /// A `└─ template:` row: a part of the row above that is not one.
    pub nested: bool,
}

/// The cards of a table's rows, in order: none for a comparison or a
/// table of one column. Empty rows and rows that repeat the header are
/// no card; a row without a name goes on with the row above it (a merged
/// cell).
pub(super) fn row_cards<'t>(table: &'t Table, source: &str) -> Vec<RowCard<'t>> {
    let counting = counts_rows(table);
    let Some(name_column) = name_column(table, counting) else {
        return Vec::new();
    };
    // A column that counts the rows says nothing about them.
    let said = |column: usize| column != name_column && !(counting && column == 0);
    let mut cards: Vec<RowCard> = Vec::new();
    for row in &table.rows {
        if is_blank(row) || repeats(row, &table.header) {
            continue;
        }
        let back = other_cells(table, row, said, source);
        let cell = row.cells.get(name_column);
        let (nested, name) = cell.map_or((false, ""), |cell| name_of(&cell.head.text));
        if !name.is_empty() {
            if !back.is_empty() {
                cards.push(RowCard {
                    name,
                    back,
                    line: row.line,
                    nested,
                });
            }
            continue;
        }
        // A picture names nothing a front can show; an empty cell is merged
        // with the one above.
        let pictured = cell.is_some_and(|cell| cell.head.media > 0);
        if let Some(above) = cards.last_mut().filter(|_| !pictured && !back.is_empty()) {
            above.back.push('\n');
            above.back.push_str(&back);
        }
    }
    cards
}

/// The column whose cells name the rows: the one its header says names
/// them (`漢字`, `Word`), else the first that does not only count the rows
/// (`counting`: the first does). `None` when the rows name nothing: the
/// table compares things (`phrase::is_comparison`: `|比較軸|A|B|`,
/// `| |A|B|`, `|項目|A|B|`), or its first header is a label
/// (`| メリット | デメリット |`: lists side by side).
fn name_column(table: &Table, counting: bool) -> Option<usize> {
    let header = &table.header.cells;
    if header.len() < 2 {
        return None;
    }
    if let Some(named) = header.iter().position(|c| phrase::names_rows(&c.head.text)) {
        return Some(named);
    }
    let column = usize::from(counting);
    let first = header.get(column)?.head.text.as_str();
    let others: Vec<&str> = header[column + 1..]
        .iter()
        .map(|c| c.head.text.as_str())
        .collect();
    let compares = phrase::is_comparison(first, &others);
    (!compares && !phrase::is_label(first)).then_some(column)
}

/// Whether the first column only counts the rows (1, 2, 3…; one number
/// counts nothing).
fn counts_rows(table: &Table) -> bool {
    let number = |row: &Row| {
        let text = row.cells.first()?.head.text.trim_spaces();
        text.trim_end_matches('.').parse::<usize>().ok()
    };
    let mut numbers = table.rows.iter().map(number);
    let first = numbers.next().flatten();
    table.rows.len() > 1
        && matches!(first, Some(0 | 1))
        && numbers
            .zip(first.unwrap_or(0) + 1..)
            .all(|(n, expected)| n == Some(expected))
}

/// The cells of `row` in the columns that say something about it, each
/// as `- header: cell`.
fn other_cells(table: &Table, row: &Row, said: impl Fn(usize) -> bool, source: &str) -> String {
    let mut lines = Vec::new();
    for (column, cell) in row.cells.iter().enumerate() {
        let markdown = cell_markdown(cell, source);
        if !said(column) || markdown.is_empty() {
            continue;
        }
        let header = table
            .header
            .cells
            .get(column)
            .map_or("", |h| cell_markdown(h, source));
        lines.push(if header.is_empty() {
            format!("- {markdown}")
        } else {
            format!("- {header}: {markdown}")
        });
    }
    lines.join("\n")
}

fn cell_markdown<'s>(cell: &Cell, source: &'s str) -> &'s str {
    source[cell.source.clone()].trim_spaces()
}

/// A name cell's name without the emoji or the tree marks before it, and
/// whether tree marks were there (`└─ template:` is a part of the row above).
fn name_of(cell: &str) -> (bool, &str) {
    let undecorated = cell.trim_start_matches(|c| is_space(c) || is_pictograph(c));
    let name = undecorated.trim_start_matches(|c| is_space(c) || is_tree_mark(c));
    (
        name.len() < undecorated.len(),
        name.trim_end_matches(is_space),
    )
}

fn is_blank(row: &Row) -> bool {
    row.cells
        .iter()
        .all(|c| c.head.text.trim_spaces().is_empty() && c.head.media == 0)
}

/// A row that says again what the header says (a long table's header
/// repeated down its length).
fn repeats(row: &Row, header: &Row) -> bool {
    fn text(cell: &Cell) -> &str {
        cell.head.text.trim_spaces()
    }
    row.cells.len() == header.cells.len()
        && row.cells.iter().map(text).eq(header.cells.iter().map(text))
}
