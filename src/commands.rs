//! The commands of the binary, as library functions returning an exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::build::{self, BuildOptions, BuildReport};
use crate::index::{self, Index, RemovedCard};
use crate::japanese::{tokens, width::terminal_columns};
use crate::notes::config::Config;
use crate::notes::scan;
use crate::search::{self, Filters};
use crate::{export, extract, freshness, output};

/// The exit code of an error, as ripgrep's: 0 is success (or hits), 1 no hits.
pub const ERROR: u8 = 2;

/// When to colour what goes to the terminal (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

/// How a command talks besides its output (`--quiet`, `--color`).
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Errors only: no summary, progress or warnings.
    pub quiet: bool,
    pub color: Color,
}

impl Ui {
    /// A summary, notice or warning on stderr, unless quiet.
    fn say(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    /// Whether stdout, a terminal or not, gets colour.
    fn color_stdout(&self, terminal: bool) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// `notedeck extract`: prints the cards of every note under `paths`.
/// A note that cannot be read is reported and skipped; the exit code is 2 then.
pub fn extract(paths: &[PathBuf], format: output::Format, ui: Ui) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let columns = terminal_columns().unwrap_or(100);
    let mut out = output::CardWriter::new(std::io::BufWriter::new(stdout.lock()), format, columns)?;
    let (mut files, mut cards) = (0, 0);
    let mut failed = false;
    for root in paths {
        let config = Config::load(root)?;
        let (notes, errors) = config.scan_notes(root);
        let mut report = |err: scan::NoteError| {
            if err.is_warning() {
                ui.say(format_args!("notedeck: warning: {err}"));
            } else {
                eprintln!("notedeck: {err}");
                failed = true;
            }
        };
        if notes.is_empty() && errors.is_empty() {
            ui.say(format_args!(
                "notedeck: warning: no .md files under {}",
                root.join("").display()
            ));
        }
        errors.into_iter().for_each(&mut report);
        for note in notes {
            match scan::read_note(&note.path).and_then(|text| scan::note_text(&note.path, text)) {
                Ok(text) => {
                    files += 1;
                    for card in extract::note_cards(&config, &note.name, &text, None) {
                        out.write(&card)?;
                        cards += 1;
                    }
                }
                Err(err) => report(err),
            }
        }
    }
    out.finish()?;
    // When nothing could be read, its error said it all.
    if files > 0 || !failed {
        ui.say(format_args!(
            "{cards} cards from {files} {}",
            if files == 1 { "file" } else { "files" }
        ));
    }
    Ok(if failed {
        ExitCode::from(ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// `notedeck build`: brings the index and outputs up to date and prints the
/// summary line (after the changed cards, with `verbose`), or with `json`
/// one JSON object (`json::Build`). Exit code 2 when a note could not be
/// used, after building the others.
pub fn build(options: &BuildOptions, ui: Ui, json: bool) -> anyhow::Result<ExitCode> {
    let report = build::build(options)?;
    if json {
        print_json(&crate::json::Build::new(&report))?;
        return Ok(build_code(&report));
    }
    print_build_and_removed(&report, &options.out, ui)
}

/// A build's report, and (not after a sync: it deletes them in Anki
/// itself) how to find the notes of removed cards in Anki.
fn print_build_and_removed(report: &BuildReport, out: &Path, ui: Ui) -> anyhow::Result<ExitCode> {
    let code = print_build(report, ui)?;
    if report.removed > 0 && !report.dry_run {
        ui.say(format_args!(
            "notedeck: an import never deletes notes: `notedeck removed --out {}` shows how to select the removed ones in Anki",
            out.display()
        ));
    }
    Ok(code)
}

/// `notedeck sync`: a build, then Anki brought up to date over AnkiConnect.
/// Prints the build's summary and the sync's (with each note written, with
/// `verbose` or in a dry run), or with `json` one JSON object (`json::Sync`).
pub fn sync(options: &crate::sync::SyncOptions, ui: Ui, json: bool) -> anyhow::Result<ExitCode> {
    let (build, sync) = crate::sync::sync(options)?;
    let listed = options.build.list_cards || sync.dry_run;
    if json {
        print_json(&crate::json::Sync::new(&build, &sync, listed))?;
        return Ok(build_code(&build));
    }
    let code = print_build(&build, ui)?;
    print_sync(&sync, options.build.list_cards, ui)?;
    Ok(code)
}

/// A sync's notes written (with `verbose`, or in a dry run), the notes
/// edited in Anki too, and its summary line.
fn print_sync(sync: &crate::sync::SyncReport, verbose: bool, ui: Ui) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if verbose || sync.dry_run {
        for line in &sync.lines {
            writeln!(out, "{line}")?;
        }
    }
    // The learner's edits: always named.
    for line in &sync.conflicts {
        writeln!(out, "{line}")?;
    }
    if !ui.quiet {
        writeln!(out, "{sync}")?;
    }
    Ok(())
}

/// `notedeck watch`: a build of `options.build` (with `sync`, a sync as
/// `options` says), then another after each save of the notes, each
/// reported as `build` and `sync` report theirs; a failed one is said and
/// the watch goes on. `--force` is for the first build only. Exit code 130
/// after Ctrl-C, 0 after SIGTERM.
pub fn watch(
    mut options: crate::sync::SyncOptions,
    sync: bool,
    ui: Ui,
) -> anyhow::Result<ExitCode> {
    let out = options.build.out.clone();
    let stopped = crate::watch::run(
        &out,
        |round| {
            if round == crate::watch::Round::Again {
                options.build.force = false;
            }
            let report = if sync {
                let (report, synced) = crate::sync::sync(&options)?;
                print_build(&report, ui)?;
                print_sync(&synced, options.build.list_cards, ui)?;
                report
            } else {
                let report = build::build(&options.build)?;
                print_build_and_removed(&report, &out, ui)?;
                report
            };
            Ok(report.notes)
        },
        |notice| match notice {
            crate::watch::Notice::Watching(notes) => ui.say(format_args!(
                "notedeck: watching {} for changes (Ctrl-C stops)",
                notes.display()
            )),
            crate::watch::Notice::Failed(err) => eprintln!("notedeck: {err:#}; still watching"),
            crate::watch::Notice::Gone(notes) => eprintln!(
                "notedeck: {}: the notes folder is gone; waiting for it to come back",
                notes.display()
            ),
        },
    )?;
    Ok(match stopped {
        crate::watch::Stopped::Interrupted => ExitCode::from(130),
        crate::watch::Stopped::Terminated => ExitCode::SUCCESS,
    })
}

/// One JSON object and a line end on stdout.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A build's problems (stderr), changed cards and summary line (stdout);
/// its exit code.
fn print_build(report: &BuildReport, ui: Ui) -> anyhow::Result<ExitCode> {
    for err in &report.failed {
        eprintln!("notedeck: {err}");
    }
    for warning in &report.warnings {
        ui.say(format_args!("notedeck: warning: {warning}"));
    }
    let mut out = std::io::stdout().lock();
    for line in report.card_lines() {
        writeln!(out, "{line}")?;
    }
    if !ui.quiet {
        writeln!(out, "{report}")?;
    }
    Ok(build_code(report))
}

/// 2 when a note could not be used.
fn build_code(report: &BuildReport) -> ExitCode {
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(ERROR)
    }
}

/// `notedeck search`: finds cards in the index as the last build left it,
/// writing nothing; says on stderr when the notes changed since.
/// Exit code 1 when no card matches.
pub fn search(
    out: &Path,
    notes: Option<&Path>,
    query: &str,
    filters: &Filters,
    limit: usize,
    json: bool,
    ui: Ui,
) -> anyhow::Result<ExitCode> {
    let index_file = build::index_path(out);
    let hits = find(&index_file, notes, query, filters, limit, ui)
        .map_err(|err| index::explain(err, &index_file))?;
    if hits.is_empty() {
        ui.say("no cards match");
        return Ok(ExitCode::FAILURE);
    }
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        for hit in &hits {
            writeln!(out, "{}", hit.to_json()?)?;
        }
    } else {
        let bold = ui.color_stdout(terminal);
        // On a pipe there is no width to fit; keep snippets a readable line.
        let columns = terminal.then(terminal_columns).flatten().unwrap_or(100);
        let terms = search::highlight_terms(query);
        for (i, hit) in hits.iter().enumerate() {
            let separator = if i > 0 { "\n" } else { "" };
            write!(
                out,
                "{separator}{}",
                search::render_hit(hit, &terms, columns, bold)
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The hits of a search, and on stderr whether the index is stale.
fn find(
    index_file: &Path,
    notes: Option<&Path>,
    query: &str,
    filters: &Filters,
    limit: usize,
    ui: Ui,
) -> anyhow::Result<Vec<search::Hit>> {
    let index = Index::open_read_only(index_file)?;
    if let Some(stale) = staleness(&index, notes)? {
        ui.say(format_args!("notedeck: {stale}"));
    }
    search::search(index.connection(), query, filters, limit)
}

/// Why the results may not be those of the notes (given, or those the
/// index was built from): they are the last build's.
fn staleness(index: &Index, notes: Option<&Path>) -> anyhow::Result<Option<String>> {
    if index.meta(index::META_TOKENS)? != Some(tokens::VERSION.to_string()) {
        return Ok(Some(
            "the index's search tokens were made by an earlier notedeck, which folds spellings otherwise; run `notedeck build` to make them again".to_string(),
        ));
    }
    let recorded = index.meta(build::META_NOTES)?;
    let Some(notes) = notes
        .map(Path::to_path_buf)
        .or_else(|| recorded.as_deref().map(PathBuf::from))
    else {
        return Ok(None);
    };
    if !notes.is_dir() {
        return Ok(Some(format!(
            "{}: notes folder not found; these results are from the last build",
            notes.display()
        )));
    }
    if recorded.is_some_and(|r| r != build::absolute_notes(&notes)) {
        return Ok(Some(format!(
            "the index was built from another notes folder than {}; these results are from that build",
            notes.display()
        )));
    }
    let freshness = freshness::freshness(index, &notes)?;
    let mut said = Vec::new();
    if freshness.changed > 0 {
        said.push(format!(
            "{} changed since the last build; run `notedeck build` to search them",
            plural(freshness.changed, "note", "notes")
        ));
    }
    if !freshness.failed.is_empty() {
        said.push(format!(
            "the last build could not use {} (the cards it made before, if any, are searched): {}",
            plural(freshness.failed.len(), "note", "notes"),
            freshness.failed.join("; ")
        ));
    }
    Ok((!said.is_empty()).then(|| said.join("\nnotedeck: ")))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What `notedeck removed` does with the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovedAction {
    /// The cards, and the Anki search that selects their notes.
    List,
    /// The Anki search alone.
    Query,
    /// Forget them: the user has dealt with them in Anki.
    Forget,
}

/// `notedeck removed`: the cards removed from the notes whose Anki notes
/// the user has not yet said are dealt with; with `json`, one JSON object
/// (`json::Removed`) whatever the action.
pub fn removed(out: &Path, action: RemovedAction, ui: Ui, json: bool) -> anyhow::Result<ExitCode> {
    let index_file = build::index_path(out);
    let cards = Index::open_read_only(&index_file)
        .and_then(|index| index.removed_cards())
        .map_err(|err| index::explain(err, &index_file))?;
    let forget = || -> anyhow::Result<usize> {
        let guids: Vec<String> = cards.iter().map(|c| c.guid.clone()).collect();
        Index::open(&index_file)
            .and_then(|mut index| index.forget_removed(&guids))
            .map_err(|err| index::explain(err, &index_file))
    };
    if json {
        let forgotten = match action {
            RemovedAction::Forget if !cards.is_empty() => forget()?,
            _ => 0,
        };
        print_json(&crate::json::Removed::new(
            &cards,
            anki_search(&cards),
            forgotten,
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut stdout = std::io::stdout().lock();
    match action {
        _ if cards.is_empty() => ui.say("no removed cards to delete in Anki"),
        RemovedAction::Query => writeln!(stdout, "{}", anki_search(&cards))?,
        RemovedAction::List => {
            for card in &cards {
                writeln!(stdout, "{}", removed_line(card))?;
            }
            writeln!(
                stdout,
                "\n{} removed from the notes. To delete them in Anki: Browse, paste this search, select all, Notes › Delete:\n\n{}\n\nThen `notedeck removed --forget` (a card that comes back to the notes leaves this list by itself).",
                plural_cards(cards.len()),
                anki_search(&cards)
            )?;
        }
        RemovedAction::Forget => {
            for card in &cards {
                writeln!(stdout, "{}", removed_line(card))?;
            }
            writeln!(stdout, "forgot {}", plural_cards(forget()?))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn removed_line(card: &RemovedCard) -> String {
    format!(
        "{} · {} · {}:{}",
        card.deck, card.front, card.file, card.line
    )
}

fn plural_cards(n: usize) -> String {
    plural(n, "card", "cards")
}

/// The Anki search that selects the notes of `cards`, by the `Key` field
/// that carries each card's GUID.
pub fn anki_search(cards: &[RemovedCard]) -> String {
    cards
        .iter()
        .map(|card| export::key_search(&card.guid))
        .collect::<Vec<_>>()
        .join(" OR ")
}
