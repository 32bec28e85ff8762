use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use notedeck::build::BuildOptions;
use notedeck::card::Kind;
use notedeck::commands::{self, Color, RemovedAction, Ui};
use notedeck::export::OutputFormat;
use notedeck::search::Filters;

/// Turns Markdown study notes, Japanese first, into Anki flashcards.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print errors only: no summary, progress or warnings.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Colour (bold matches): auto is on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
}

/// Where the notes are.
/// The outputs a build writes (`build`, `watch`).
#[derive(Args)]
struct Formats {
    /// Output formats, comma-separated [default: apkg,csv]
    // Clap would show the default as `apkg csv`, which is no valid value.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "apkg,csv",
        hide_default_value = true
    )]
    format: Vec<OutputFormat>,
}

#[derive(Args)]
struct Notes {
    /// The folder of notes (walked for *.md) [default: the current folder
    /// when it has a notedeck.toml, else the folder the index was built
    /// from, else notes]
    #[arg(long)]
    notes: Option<PathBuf>,
}

/// Where the index and the outputs are.
#[derive(Args)]
struct Out {
    /// The folder of the index (index.sqlite) and the decks [default: the
    /// `out` of the notes folder's notedeck.toml, else out]
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Notes {
    /// The notes and output folders, as the flags and `notedeck.toml` say.
    fn with(self, out: Out) -> anyhow::Result<(Option<PathBuf>, PathBuf)> {
        notedeck::notes::config::folders(self.notes, out.out)
    }
}

/// How a build runs, for `build` and `sync` alike.
#[derive(Args)]
struct Building {
    #[command(flatten)]
    notes: Notes,
    #[command(flatten)]
    out: Out,
    /// One package and one CSV a deck, instead of one for all decks.
    #[arg(long)]
    split: bool,
    /// List what it would do, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// List the cards (and, for sync, the notes) that changed.
    #[arg(short, long)]
    verbose: bool,
    /// Download remote images into a cache in OUT and pack them, so cards
    /// show them offline. Later builds pack the cached ones without asking.
    #[arg(long)]
    fetch_remote: bool,
    /// Build into an output folder that holds the index of another notes
    /// folder, making it follow these notes (the other folder's cards
    /// leave it), and take over the outputs notedeck made there.
    #[arg(long)]
    adopt: bool,
    /// Print one JSON object (counts, outputs, warnings, failed notes; see
    /// docs/json.md) instead of the summary; `{"error": …}` on failure.
    #[arg(long)]
    json: bool,
}

impl Building {
    fn options(
        self,
        formats: Vec<OutputFormat>,
        force: bool,
        ui: Ui,
    ) -> anyhow::Result<BuildOptions> {
        let (notes, out) = self.notes.with(self.out)?;
        Ok(BuildOptions {
            notes,
            out,
            formats,
            force,
            list_cards: self.verbose,
            split: self.split,
            dry_run: self.dry_run,
            fetch_remote: self.fetch_remote,
            progress: !ui.quiet && !self.json,
            adopt: self.adopt,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Bring the index and the decks up to date with the notes.
    ///
    /// Writes one package and one CSV holding every deck (OUT/NOTES.apkg,
    /// OUT/NOTES.csv), so that a regeneration is one import.
    Build {
        #[command(flatten)]
        building: Building,
        #[command(flatten)]
        formats: Formats,
        /// Extract every note and rewrite every output, changed or not.
        #[arg(long)]
        force: bool,
    },
    /// Bring the index, then a running Anki, up to date (over AnkiConnect).
    ///
    /// Adds new cards, updates changed ones in place, moves cards whose deck
    /// changed and deletes the notes of removed cards; reviews are kept.
    Sync {
        #[command(flatten)]
        building: Building,
        /// AnkiConnect's address.
        #[arg(long, default_value = notedeck::sync::DEFAULT_URL)]
        url: String,
        /// Suspend the notes of removed cards and tag them notedeck::removed,
        /// instead of deleting them.
        #[arg(long)]
        keep_removed: bool,
        /// Delete the notes of removed cards even when they are many: over
        /// 10 and over a fifth of the notes notedeck keeps in Anki. Without
        /// it such a sync stops before changing anything.
        #[arg(long, conflicts_with = "keep_removed")]
        allow_deletes: bool,
        /// Write the notes' version over notes edited in Anki too since the
        /// last sync (Anki's text is kept in OUT/anki-edits.json first).
        /// Without it such notes are left as Anki has them, and listed.
        #[arg(long)]
        overwrite_anki_edits: bool,
        /// Ask Anki to sync with AnkiWeb before (reviews made on a phone
        /// come in first) and after.
        #[arg(long)]
        ankiweb: bool,
    },
    /// Build, then build again after each save of the notes, until Ctrl-C.
    ///
    /// Each rebuild reads only the notes that changed and prints one
    /// summary line; a note that cannot be used is named and the watch
    /// goes on. The output folder is locked only while a build runs.
    Watch {
        #[command(flatten)]
        building: Building,
        #[command(flatten)]
        formats: Formats,
        /// Extract every note and rewrite every output in the first build.
        #[arg(long)]
        force: bool,
        /// Bring a running Anki up to date after each build too (as `sync`).
        #[arg(long)]
        sync: bool,
        /// AnkiConnect's address, with --sync.
        #[arg(long, default_value = notedeck::sync::DEFAULT_URL, requires = "sync")]
        url: String,
        /// With --sync: suspend the notes of removed cards and tag them
        /// notedeck::removed, instead of deleting them.
        #[arg(long, requires = "sync")]
        keep_removed: bool,
    },
    /// Find cards in the index (as the last build left it; writes nothing).
    ///
    /// Words are AND-ed; "a phrase" keeps words together; -word excludes;
    /// front:word searches fronts only.
    Search {
        /// The query, in one argument or several. Quote a query with
        /// `-word` in it (`'キュー -デッド'`) or put it after `--`.
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        notes: Notes,
        #[command(flatten)]
        out: Out,
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
    /// The cards removed from the notes, and the Anki search that selects
    /// their notes (an import never deletes).
    Removed {
        #[command(flatten)]
        out: Out,
        /// Print the Anki search alone.
        #[arg(long, conflicts_with = "forget")]
        query: bool,
        /// Forget the listed cards: their notes are dealt with in Anki.
        #[arg(long)]
        forget: bool,
        /// Print one JSON object (the cards, the Anki search; see
        /// docs/json.md); `{"error": …}` on failure.
        #[arg(long)]
        json: bool,
    },
    /// Write OUT/preview.html: every card of the last build as Anki shows
    /// it, with search, deck and tag filters and night mode, in one file
    /// that works offline.
    Preview {
        #[command(flatten)]
        notes: Notes,
        #[command(flatten)]
        out: Out,
        /// Load the cards' remote images (HTTPS) when the page is opened,
        /// as Anki does, instead of showing each as a link: opening the
        /// page then goes online.
        #[arg(long)]
        remote_images: bool,
    },
    /// Print each line of a note with what became of it: the rule that made
    /// its card, or why it made none.
    Explain {
        /// The note file.
        file: PathBuf,
        /// The notes folder FILE belongs to, for its deck and settings
        /// [default: the nearest folder above FILE with a notedeck.toml,
        /// else FILE's own]
        #[arg(long)]
        notes: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = notedeck::explain::Format::Text)]
        format: notedeck::explain::Format,
    },
    /// Print the cards of notes, without index or output files.
    Extract {
        /// Note files or folders (walked for *.md).
        #[arg(default_value = "notes")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = notedeck::output::Format::Text)]
        format: notedeck::output::Format,
    },
    /// Print the completion script of a shell, made from these commands.
    ///
    /// bash: `notedeck completions bash > ~/.local/share/bash-completion/completions/notedeck`;
    /// zsh, fish, powershell and elvish: see the README.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of notedeck, or of one of its commands.
    ///
    /// `notedeck man | man -l -` shows it; the README says where to put it.
    Man {
        /// The command whose page to print [default: notedeck's own]
        command: Option<String>,
    },
}

impl Command {
    /// Whether the command prints JSON, errors too (`--json`).
    fn json(&self) -> bool {
        match self {
            Command::Build { building, .. } | Command::Sync { building, .. } => building.json,
            Command::Removed { json, .. } => *json,
            _ => false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.command.json();
    let ui = Ui {
        quiet: cli.quiet,
        color: cli.color,
    };
    let result = match cli.command {
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "notedeck", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { command } => man_page(command.as_deref()),
        Command::Extract { paths, format } => commands::extract(&paths, format, ui),
        Command::Explain {
            file,
            notes,
            format,
        } => notedeck::explain::command(&file, notes.as_deref(), format),
        Command::Preview {
            notes,
            out,
            remote_images,
        } => {
            let remote_images = if remote_images {
                notedeck::preview::RemoteImages::Loaded
            } else {
                notedeck::preview::RemoteImages::Links
            };
            notes.with(out).and_then(|(notes, out)| {
                notedeck::preview::command(&out, notes.as_deref(), remote_images)
            })
        }
        Command::Build {
            building,
            formats,
            force,
        } => building
            .options(formats.format, force, ui)
            .and_then(|options| commands::build(&options, ui, json)),
        Command::Sync {
            building,
            url,
            keep_removed,
            allow_deletes,
            overwrite_anki_edits,
            ankiweb,
        } => building
            .options(OutputFormat::ALL.to_vec(), false, ui)
            .and_then(|build| {
                commands::sync(
                    &notedeck::sync::SyncOptions {
                        build,
                        url,
                        keep_removed,
                        allow_deletes,
                        overwrite_anki_edits,
                        ankiweb,
                    },
                    ui,
                    json,
                )
            }),
        Command::Watch {
            building,
            formats,
            force,
            sync,
            url,
            keep_removed,
        } => building
            .options(formats.format, force, ui)
            .and_then(|build| {
                let options = notedeck::sync::SyncOptions {
                    build,
                    url,
                    keep_removed,
                    // A watch runs unattended: a mass deletion stops, as a
                    // sync without the flag does, until the user runs `sync`.
                    allow_deletes: false,
                    overwrite_anki_edits: false,
                    ankiweb: false,
                };
                commands::watch(options, sync, ui)
            }),
        Command::Search {
            query,
            notes,
            out,
            deck,
            tag,
            kind,
            limit,
            json,
        } => {
            let filters = Filters { deck, tag, kind };
            notes.with(out).and_then(|(notes, out)| {
                commands::search(
                    &out,
                    notes.as_deref(),
                    &query.join(" "),
                    &filters,
                    limit,
                    json,
                    ui,
                )
            })
        }
        Command::Removed {
            out,
            query,
            forget,
            json,
        } => {
            let action = if query {
                RemovedAction::Query
            } else if forget {
                RemovedAction::Forget
            } else {
                RemovedAction::List
            };
            Notes { notes: None }
                .with(out)
                .and_then(|(_, out)| commands::removed(&out, action, ui, json))
        }
    };
    match result {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("notedeck: {err:#}");
            // A script reading stdout gets its one object then too.
            if json {
                println!("{}", notedeck::json::error(&format!("{err:#}")));
            }
            ExitCode::from(commands::ERROR)
        }
    }
}

/// The man page of notedeck (`notedeck(1)`), or of one of its commands
/// (`notedeck-build(1)`), on stdout.
fn man_page(name: Option<&str>) -> anyhow::Result<ExitCode> {
    let notedeck = Cli::command();
    let page = match name {
        None => clap_mangen::Man::new(notedeck),
        Some(name) => {
            let Some(command) = notedeck.find_subcommand(name) else {
                let names: Vec<&str> = notedeck.get_subcommands().map(|c| c.get_name()).collect();
                anyhow::bail!("no command {name:?}: the commands are {}", names.join(", "));
            };
            let title = format!("notedeck-{}", command.get_name());
            let command = command
                .clone()
                .display_name(&title)
                .bin_name(format!("notedeck {}", command.get_name()));
            clap_mangen::Man::new(command).title(title)
        }
    };
    page.render(&mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
