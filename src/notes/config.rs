//! `notedeck.toml` at the notes root, and what it and a note's front matter
//! make of the note's cards: their deck and note type.
//!
//! ```toml
//! out = "../decks"          # the output folder, from the file's folder
//! reverse = true            # every note: a reversed card too
//!
//! exclude = ["drafts/**"]  # notes never read (`exclude`)
//!
//! [extract]                 # the author's own words, besides the built-in
//! separators = [" ... "]    # TERM ... DEFINITION
//! labels = ["出典"]          # a line that files what follows, no term
//!
//! [folders."aws/ec2"]       # the notes under notes/aws/ec2/
//! deck = "AWS::EC2"         # …are in AWS::EC2::<title> instead of aws::ec2::<title>
//! type_in = true            # …and their answers are typed in
//! ```
//!
//! The nearest setting wins: a note's front matter, then its folder's
//! table, then the tables of the folders above it, then the top of the file.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::exclude::Exclude;
use super::options::NoteOptions;
use super::scan::{self, NoteError, NoteFile};
use crate::card::NoteType;
use crate::files::{self, ReadError};
use crate::japanese::author::AuthorWords;
use crate::japanese::{compose, compose_string};
use crate::limits::{mebibytes, MAX_AUTHOR_WORDS, MAX_AUTHOR_WORD_BYTES, MAX_SETTINGS_BYTES};

/// The name of the file, at the notes root.
pub const FILE_NAME: &str = "notedeck.toml";

/// The notes folder when none is given and the index names none.
pub const DEFAULT_NOTES: &str = "notes";

/// The output folder when neither `--out` nor `notedeck.toml` names one.
pub const DEFAULT_OUT: &str = "out";

/// The notes folder (`None`: the one the index was built from) and the
/// output folder of a command. The flags win. Else a `notedeck.toml` in the
/// current folder makes it the notes root; the output folder is the `out`
/// of the `notedeck.toml` of the notes folder (given, current, or
/// `notes/`), else `out`.
pub fn folders(
    notes: Option<PathBuf>,
    out: Option<PathBuf>,
) -> anyhow::Result<(Option<PathBuf>, PathBuf)> {
    let notes = notes.or_else(|| Path::new(FILE_NAME).is_file().then(|| PathBuf::from(".")));
    let out = match out {
        Some(out) => out,
        None => {
            let root = notes
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_NOTES));
            Config::load(&root)?
                .out
                .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT))
        }
    };
    Ok((notes, out))
}

/// The output folder a `notedeck.toml` in `root` names, from the current
/// folder. A cloned repository's settings must not make a build write
/// anywhere on the machine: `out` is relative, and stays inside the folder
/// that holds the notes root (`out = "../decks"` beside the notes is
/// fine), links followed; elsewhere takes `--out`.
fn confined_out(root: &Path, out: &Path) -> Result<PathBuf, String> {
    let outside = || {
        format!(
            "out = {:?} is outside the folder that holds the notes; a notedeck.toml may name an output folder beside or inside its notes only (give any other with --out)",
            out.display()
        )
    };
    if !out.is_relative() || out.starts_with("~") {
        return Err(outside());
    }
    // Lexically: `..` never climbs above the notes root's parent.
    let mut depth = 1usize;
    for part in out.components() {
        match part {
            Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(outside)?,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    // Through links: the part of it that exists resolves inside too.
    let joined = root.join(out);
    let holder = std::fs::canonicalize(root)
        .ok()
        .map(|root| root.parent().map(Path::to_path_buf).unwrap_or(root));
    let existing = joined
        .ancestors()
        .find_map(|ancestor| std::fs::canonicalize(ancestor).ok());
    if let (Some(holder), Some(existing)) = (holder, existing) {
        if !existing.starts_with(&holder) {
            return Err(outside());
        }
    }
    Ok(joined)
}

/// The settings of the notes under one folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "FolderFile")]
struct Folder {
    /// The deck the folder's own levels become.
    deck: Option<String>,
    options: NoteOptions,
}

/// A folder's table as written, checked into a `Folder`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderFile {
    deck: Option<String>,
    reverse: Option<bool>,
    type_in: Option<bool>,
}

impl TryFrom<FolderFile> for Folder {
    type Error = String;

    fn try_from(file: FolderFile) -> Result<Self, String> {
        let options = NoteOptions {
            reverse: file.reverse,
            type_in: file.type_in,
        };
        if let Some(why) = options.conflict() {
            return Err(why.to_string());
        }
        if let Some(deck) = &file.deck {
            if deck.split("::").any(|level| level.trim().is_empty()) {
                return Err(format!(
                    "deck {deck:?} has an empty level (levels are joined with ::)"
                ));
            }
        }
        Ok(Folder {
            deck: file.deck.map(compose_string),
            options,
        })
    }
}

/// `notedeck.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Spanned, to name its line when it points outside (`confined_out`).
    out: Option<toml::Spanned<PathBuf>>,
    reverse: Option<bool>,
    /// Spanned, to name its line when it conflicts with `reverse`.
    type_in: Option<toml::Spanned<bool>>,
    #[serde(default)]
    folders: BTreeMap<String, toml::Spanned<Folder>>,
    /// Spanned, to name the line of a pattern that is no glob.
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
    extract: Option<ExtractFile>,
}

/// `[extract]` as written: the author's separators and labels, spanned to
/// name the line of one that cannot be used.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractFile {
    #[serde(default)]
    separators: Vec<toml::Spanned<String>>,
    #[serde(default)]
    labels: Vec<toml::Spanned<String>>,
}

impl ExtractFile {
    /// The words, or the byte offset of one that cannot be used and why.
    fn words(self) -> Result<Option<Arc<AuthorWords>>, (usize, String)> {
        let check = |key: &str, words: Vec<toml::Spanned<String>>| {
            if let Some(past) = words.get(MAX_AUTHOR_WORDS) {
                let why = format!("{key}: more than {MAX_AUTHOR_WORDS}");
                return Err((past.span().start, why));
            }
            words
                .into_iter()
                .map(|word| {
                    let at = word.span().start;
                    let word = compose_string(word.into_inner());
                    if word.trim().is_empty() || word.contains('\n') {
                        Err((at, format!("{key}: {word:?} is blank or spans lines")))
                    } else if word.len() > MAX_AUTHOR_WORD_BYTES {
                        let why = format!("longer than {MAX_AUTHOR_WORD_BYTES} bytes");
                        Err((at, format!("{key}: {word:?} is {why}")))
                    } else {
                        Ok(word)
                    }
                })
                .collect::<Result<Vec<String>, _>>()
        };
        let separators = check("separators", self.separators)?;
        let labels = check("labels", self.labels)?;
        if separators.is_empty() && labels.is_empty() {
            return Ok(None);
        }
        Ok(Some(Arc::new(AuthorWords::new(separators, labels))))
    }
}

/// The settings of a notes folder: none when it has no `notedeck.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The output folder, relative to the current folder.
    out: Option<PathBuf>,
    /// By folder, relative to the notes root with `/` (`""`: the root).
    folders: BTreeMap<String, Folder>,
    /// The notes that are not read at all.
    exclude: Exclude,
    /// The author's own separators and labels, if any.
    words: Option<Arc<AuthorWords>>,
    /// Of the file's bytes: a change makes every note extracted again.
    fingerprint: String,
}

impl Config {
    /// Reads `NOTES/notedeck.toml`, if there is one. A file that cannot be
    /// used is an error naming it and the line.
    pub fn load(notes_root: &Path) -> anyhow::Result<Config> {
        let path = notes_root.join(FILE_NAME);
        // A note given alone (`extract a.md`) has no folder of settings.
        if !notes_root.is_dir() {
            return Ok(Config::default());
        }
        // Settings that cannot be read stop the command rather than give
        // way to defaults: they may name the output folder.
        let bytes = match files::read_regular_file(&path, MAX_SETTINGS_BYTES) {
            Ok(bytes) => bytes,
            Err(ReadError::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default())
            }
            Err(ReadError::Io(err)) => {
                return Err(err).with_context(|| format!("{}: cannot read", path.display()))
            }
            Err(ReadError::NotAFile(what)) => {
                anyhow::bail!("{}: cannot read, it is {what}, not a file", path.display())
            }
            Err(ReadError::TooLarge(limit)) => anyhow::bail!(
                "{}: larger than the limit of {} for settings",
                path.display(),
                mebibytes(limit)
            ),
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", path.display()))?;
        Config::parse(&text, notes_root).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
    }

    /// The settings in `text`, a `notedeck.toml` in `root`.
    pub(crate) fn parse(text: &str, root: &Path) -> Result<Config, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|err| err.to_string())?;
        let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
        let top = NoteOptions {
            reverse: file.reverse,
            type_in: file.type_in.as_ref().map(|t| *t.get_ref()),
        };
        if let (Some(why), Some(type_in)) = (top.conflict(), &file.type_in) {
            return Err(format!("line {}: {why}", line_of(type_in.span().start)));
        }
        let mut folders = BTreeMap::new();
        folders.insert(
            String::new(),
            Folder {
                deck: None,
                options: top,
            },
        );
        for (name, folder) in file.folders {
            let line = line_of(folder.span().start);
            // Names as the notes' own are made (`scan::relative_name`).
            let name = compose(&name);
            let key = name.trim_matches('/');
            let key = if key == "." { "" } else { key };
            if key.split('/').any(|part| part == ".." || part == ".") || name.starts_with('/') {
                return Err(format!(
                    "line {line}: folder {name:?} is not a folder under the notes root"
                ));
            }
            let folder = folder.into_inner();
            let entry = folders.entry(key.to_string()).or_default();
            entry.deck = folder.deck.or(entry.deck.take());
            entry.options = folder.options.or(entry.options);
        }
        let exclude = Exclude::new(&file.exclude)
            .map_err(|(at, why)| format!("line {}: {why}", line_of(at)))?;
        let words = match file.extract {
            Some(extract) => extract
                .words()
                .map_err(|(at, why)| format!("line {}: {why}", line_of(at)))?,
            None => None,
        };
        let out = match file.out {
            Some(out) => Some(
                confined_out(root, out.get_ref())
                    .map_err(|why| format!("line {}: {why}", line_of(out.span().start)))?,
            ),
            None => None,
        };
        Ok(Config {
            out,
            folders,
            exclude,
            words,
            fingerprint: format!("{:x}", Sha256::digest(text.as_bytes())),
        })
    }

    /// The output folder the file names, from the current folder.
    pub fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }

    /// Changes with the file: what the index records with the extraction
    /// rules, so that a new setting makes every note extracted again.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// What the settings ask of the cards of the note `name` (relative to
    /// the notes root, with `/`) whose front matter sets `options`: the
    /// nearest setting wins, the note's own, then its folder's, then those
    /// of the folders above it, then the top of the file.
    pub fn note_settings(&self, name: &str, mut options: NoteOptions) -> NoteSettings<'_> {
        let mut deck = None;
        // Nearest folder first: the note's own, then each one above.
        let mut folder = name.rsplit_once('/').map_or("", |(folder, _)| folder);
        loop {
            if let Some(settings) = self.folders.get(folder) {
                options = options.or(settings.options);
                if deck.is_none() {
                    deck = settings.deck.as_deref().map(|d| (levels(folder), d));
                }
            }
            if folder.is_empty() {
                break;
            }
            folder = folder.rsplit_once('/').map_or("", |(above, _)| above);
        }
        NoteSettings {
            note_type: options.note_type(),
            folder_deck: deck,
        }
    }

    /// The author's own separators and labels (`[extract]`), if any.
    pub fn author_words(&self) -> Option<&Arc<AuthorWords>> {
        self.words.as_ref()
    }

    /// The pattern of `exclude` that matches the note `name` (relative to
    /// the notes root, with `/`), if one does.
    pub fn excluded_by(&self, name: &str) -> Option<&str> {
        self.exclude.matching(name)
    }

    /// The notes under `root` as `scan::scan_notes` finds them, less the
    /// ones `exclude` names: those are never read, and the cards they made
    /// before leave the index like the cards of a deleted note.
    pub fn scan_notes(&self, root: &Path) -> (Vec<NoteFile>, Vec<NoteError>) {
        let (mut notes, errors) = scan::scan_notes(root);
        if !self.exclude.is_empty() {
            notes.retain(|note| self.excluded_by(&note.name).is_none());
        }
        (notes, errors)
    }
}

/// What a note's settings make of its cards (`Config::note_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteSettings<'a> {
    /// The note type asked for; a cloze card's gaps win over it.
    pub note_type: NoteType,
    /// The nearest folder that names a deck (how many levels deep it is),
    /// and that deck.
    folder_deck: Option<(usize, &'a str)>,
}

impl NoteSettings<'_> {
    /// The deck of a card whose folders and title make the deck `own`.
    pub fn deck(&self, own: String) -> String {
        match self.folder_deck {
            Some((depth, deck)) => folder_deck(&own, depth, deck),
            None => own,
        }
    }
}

/// The deck of a note under a folder `depth` levels deep whose deck is `deck`: `deck`
/// in place of the folder's own levels (`aws::ec2::Title` →
/// `AWS::EC2::Title`). Its cards' keys are those of cards of that deck, as
/// when a note is retitled: the build pairs each with the card it was
/// (`moved`), so it keeps its GUID and reviews.
fn folder_deck(own: &str, depth: usize, deck: &str) -> String {
    let rest = own.splitn(depth + 1, "::").last().unwrap_or_default();
    format!("{deck}::{rest}")
}

/// How many levels deep a folder (relative to the notes root) is.
fn levels(folder: &str) -> usize {
    if folder.is_empty() {
        0
    } else {
        folder.split('/').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("notes"))
    }

    #[test]
    fn folders_set_decks_and_note_types_nearest_first() {
        let config = config(
            "out = \"../decks\"\nreverse = true\n\n[folders.\"aws/ec2\"]\ndeck = \"AWS::EC2\"\n\n[folders.\"aws/ec2/deep/\"]\ntype_in = true\n",
        )
        .unwrap();
        assert_eq!(config.out(), Some(Path::new("notes/../decks")));
        let of = |name: &str, own: &str| {
            let settings = config.note_settings(name, NoteOptions::default());
            (settings.deck(own.to_string()), settings.note_type)
        };
        assert_eq!(of("a.md", "題"), ("題".into(), NoteType::Reversed));
        assert_eq!(
            of("aws/ec2/x.md", "aws::ec2::題"),
            ("AWS::EC2::題".into(), NoteType::Reversed)
        );
        assert_eq!(
            of("aws/ec2/deep/y.md", "aws::ec2::deep::題"),
            ("AWS::EC2::deep::題".into(), NoteType::TypeIn)
        );
        assert_eq!(
            of("aws/s3/z.md", "aws::s3::題"),
            ("aws::s3::題".into(), NoteType::Reversed)
        );
    }

    #[test]
    fn front_matter_wins() {
        let config = config("reverse = true\n").unwrap();
        let options = NoteOptions {
            reverse: Some(false),
            ..NoteOptions::default()
        };
        assert_eq!(
            config.note_settings("a.md", options).note_type,
            NoteType::Basic
        );
    }

    #[test]
    fn exclude_names_paths_from_the_root_or_files_anywhere() {
        let config = config("exclude = [\"drafts/**\", \"*.private.md\"]\n").unwrap();
        assert_eq!(config.excluded_by("drafts/a.md"), Some("drafts/**"));
        assert_eq!(config.excluded_by("drafts/deep/b.md"), Some("drafts/**"));
        assert_eq!(config.excluded_by("aws/x.private.md"), Some("*.private.md"));
        assert_eq!(config.excluded_by("x.private.md"), Some("*.private.md"));
        assert_eq!(config.excluded_by("aws/drafts/a.md"), None);
        assert_eq!(config.excluded_by("private.md"), None);
        assert_eq!(Config::default().excluded_by("a.md"), None);
    }

    #[test]
    fn bad_settings_name_the_line() {
        for (text, want) in [
            ("[folders.a]\nreverse = true\ntype_in = true\n", "line 1"),
            ("\n[folders.a]\ndeck = \"a::::b\"\n", "line 2"),
            ("\n\n[folders.\"../x\"]\ndeck = \"a\"\n", "line 3"),
            ("out = 3\n", "line 1"),
            ("\nout = \"/etc\"\n", "line 2: out = \"/etc\" is outside"),
            (
                "out = \"../../elsewhere\"\n",
                "line 1: out = \"../../elsewhere\" is outside",
            ),
            ("out = \"decks/../../..\"\n", "is outside"),
            ("out = \"~/decks\"\n", "is outside"),
            ("\nrevers = true\n", "line 2"),
            (
                "\nexclude = [\"a/**\",\n  \"[b\"]\n",
                "line 3: exclude = \"[b\"",
            ),
            (
                "[extract]\nlabels = [\"出典\", \" \"]\n",
                "line 2: labels: \" \"",
            ),
            ("[extract]\nseparator = [\" ... \"]\n", "line 2"),
            (
                &format!("[extract]\nlabels = [\n{}]\n", "\"a\",\n".repeat(101)),
                "line 103: labels: more than 100",
            ),
            (
                "reverse = true\n\ntype_in = true\n",
                "line 3: reverse and type_in",
            ),
        ] {
            let err = config(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
