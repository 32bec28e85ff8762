use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use notedeck::build::BuildOptions;
use notedeck::card::Kind;
use notedeck::commands;
use notedeck::export::OutputFormat;
use notedeck::search::Filters;

const ALL_FORMATS: [OutputFormat; 2] = [OutputFormat::Apkg, OutputFormat::Csv];

/// Turns Markdown study notes, Japanese first, into Anki flashcards.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the notes are and where the index and outputs go.
#[derive(Args)]
struct Folders {
    /// The folder of notes (walked for *.md).
    #[arg(long, default_value = "notes")]
    notes: PathBuf,
    /// The folder of the index (index.sqlite) and the decks.
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

impl Folders {
    fn build_options(
        self,
        formats: Vec<OutputFormat>,
        force: bool,
        list_cards: bool,
    ) -> BuildOptions {
        BuildOptions {
            notes: self.notes,
            out: self.out,
            formats,
            force,
            list_cards,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Bring the index and the decks up to date with the notes.
    Build {
        #[command(flatten)]
        folders: Folders,
        /// Output formats, comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = ALL_FORMATS)]
        format: Vec<OutputFormat>,
        /// Extract every note and rewrite every deck, changed or not.
        #[arg(long)]
        force: bool,
        /// List the new, changed and removed cards.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Find cards (after bringing the index up to date).
    ///
    /// Words are AND-ed; "a phrase" keeps words together; -word excludes;
    /// front:word searches fronts only.
    Search {
        /// The query, in one argument or several. Quote a query with
        /// `-word` in it (`'キュー -デッド'`) or put it after `--`.
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        folders: Folders,
        /// Only this deck and its subdecks.
        #[arg(long)]
        deck: Option<String>,
        /// Only cards with this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Only cards of this kind (term, topic or qa).
        #[arg(long)]
        kind: Option<Kind>,
        /// At most this many cards.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object a card, as `extract --format jsonl` with score and snippet.
        #[arg(long)]
        json: bool,
    },
    /// Print the cards of notes, without index or output files.
    Extract {
        /// Note files or folders (walked for *.md).
        #[arg(default_value = "notes")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = notedeck::output::Format::Text)]
        format: notedeck::output::Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract { paths, format } => commands::extract(&paths, format),
        Command::Build {
            folders,
            format,
            force,
            verbose,
        } => commands::build(&folders.build_options(format, force, verbose)),
        Command::Search {
            query,
            folders,
            deck,
            tag,
            kind,
            limit,
            json,
        } => {
            let options = folders.build_options(ALL_FORMATS.to_vec(), false, false);
            let filters = Filters { deck, tag, kind };
            commands::search(&options, &query.join(" "), &filters, limit, json)
        }
    };
    match result {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("notedeck: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
