//! Index → Anki packages (`.apkg`) and Anki-ready CSV.
//!
//! `stage` turns cards into Anki notes once (fields, media) and hands them
//! to the writers: `apkg` (the legacy package every Anki client imports)
//! and `csv` (Anki's text import with header lines). Each file is written to
//! a temporary file beside its destination and renamed into place only when
//! the build that made it has committed (`StagedFile::put_in_place`).
//! A rebuild stages them from what the last one kept (`Source::Update`):
//! the package's collection (`kept`, its deflated `pieces`) and the CSV's
//! layout, each checked against its recorded `checksum`. `media` finds and
//! checks local images, `remote` caches (and fetches) remote ones,
//! `regular` opens what a package takes without following a link,
//! `notetype` holds the note type and the derived ids.

mod apkg;
mod checksum;
mod csv;
mod deflate;
mod image_type;
pub mod kept;
pub mod media;
pub mod notetype;
mod pieces;
pub mod remote;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub use self::csv::Layout as CsvLayout;
use crate::card::{IndexedCard, NoteType};
use crate::html::escape_html;
use media::Media;
use remote::RemoteImages;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum OutputFormat {
    Apkg,
    Csv,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 2] = [OutputFormat::Apkg, OutputFormat::Csv];

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Apkg => "apkg",
            OutputFormat::Csv => "csv",
        }
    }

    /// How every output of this format starts: a zip's first entry, the
    /// CSV's first header line. A file at an output's name that does not
    /// start so is not notedeck's, and is never replaced or removed.
    pub fn signature(self) -> &'static [u8] {
        match self {
            OutputFormat::Apkg => b"PK\x03\x04",
            OutputFormat::Csv => b"#separator:tab\n",
        }
    }
}

/// What every temporary file or folder notedeck makes is named, and the
/// only files it removes without having recorded them: left by a killed
/// build, they are swept by the next one.
pub const TEMP_PREFIX: &str = ".notedeck-tmp-";

/// One output written to a temporary file, waiting to be renamed into place.
#[derive(Debug)]
pub struct StagedFile {
    temp: tempfile::NamedTempFile,
    pub path: PathBuf,
}

impl StagedFile {
    /// Renames the file into place: a reader (or Anki) never sees half a
    /// file. Temporary files are private (0600); outputs are ordinary files
    /// to share.
    pub fn put_in_place(self) -> anyhow::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.temp
                .as_file()
                .set_permissions(fs::Permissions::from_mode(0o644))?;
        }
        self.temp.persist(&self.path).with_context(|| {
            format!(
                "{}: cannot rename the new file into place",
                self.path.display()
            )
        })?;
        Ok(())
    }
}

/// How the outputs of every deck are made.
pub enum Source<'a> {
    /// Anew from every card (the package's collection kept in OUT for the
    /// next build).
    Fresh,
    /// From what the last build kept, updated.
    Update(Box<Update<'a>>),
}

/// What the outputs kept from the last build are updated with: each output
/// staged is made from what it keeps (a collection, a CSV's layout), and
/// the cards staged need only be the ones that changed, the ones of the
/// note files read again (for the CSV) and every one whose back names media
/// (the package's media are theirs).
pub struct Update<'a> {
    /// The kept collection, for the package.
    pub kept: Option<kept::Verified>,
    /// The GUIDs of the cards that changed.
    pub changed: HashSet<&'a str>,
    /// The GUIDs of the cards removed.
    pub gone: &'a [String],
    /// Every deck with a card.
    pub decks: &'a [String],
    /// The CSV in place, to splice, when its layout is recorded.
    pub csv: Option<CsvSplice<'a>>,
}

/// The CSV in place and what changed: the cards staged then hold every
/// card of the note files `read` (`csv::splice`).
pub struct CsvSplice<'a> {
    pub layout: CsvLayout,
    /// The note files this build read again or found gone.
    pub read: &'a HashSet<String>,
}

/// What the last build kept could not be updated (a kept collection is
/// then no longer the one recorded): the outputs must be made anew, of
/// every card.
#[derive(Debug, thiserror::Error)]
#[error("what the last build kept could not be updated: {0:#}")]
pub struct NotUpdated(anyhow::Error);

/// What staging one set of cards produced.
#[derive(Debug, Default)]
pub struct Staged {
    pub files: Vec<StagedFile>,
    /// A collection made anew, to keep in OUT once the build commits.
    pub kept: Option<StagedFile>,
    /// What the index is to record of the kept collection (`None`: that
    /// none can be used).
    pub record: Option<kept::Record>,
    /// ... and of the CSV.
    pub csv_layout: Option<CsvLayout>,
    /// Problems that did not stop the export, such as `file:line: image not found`.
    pub warnings: Vec<String>,
    /// Notes written (one per card).
    pub cards: usize,
    /// Local images packaged.
    pub media: usize,
}

/// Context levels are shown joined by this, small, above the front.
pub const CONTEXT_SEPARATOR: &str = " › ";

/// One card as an Anki note: the fields of its note type (Front, Back or
/// Text, Context, Source, Key) as HTML, and what identifies and places it.
#[derive(Debug)]
pub(crate) struct Note<'a> {
    pub guid: &'a str,
    pub deck: &'a str,
    /// The note file the card comes from.
    pub file: &'a str,
    pub tags: &'a [String],
    pub changed: i64,
    pub note_type: NoteType,
    /// Borrowed from the card where nothing needs changing: 100,000 cards
    /// are then not held twice.
    pub fields: [Cow<'a, str>; notetype::FIELDS.len()],
}

impl<'a> Note<'a> {
    pub(crate) fn new(indexed: &'a IndexedCard, media: &mut Media) -> Self {
        Self::with_back(indexed, media.rewrite_back(&indexed.card))
    }

    /// The note of a card whose back names no media file, or None: such a
    /// back is the Back field as it is, and `Media` is left alone, so the
    /// note can be made on any thread.
    fn without_media(indexed: &'a IndexedCard) -> Option<Self> {
        let back = &indexed.card.back_html;
        (!media::names_media(back)).then(|| Self::with_back(indexed, Cow::Borrowed(back)))
    }

    /// The note with `back` (the card's HTML, its media named) as its Back.
    fn with_back(indexed: &'a IndexedCard, back: Cow<'a, str>) -> Self {
        let card = &indexed.card;
        let context = match &card.context[..] {
            [] => Cow::Borrowed(""),
            [one] => furigana_field(one),
            many => Cow::Owned(furigana_field(&many.join(CONTEXT_SEPARATOR)).into_owned()),
        };
        // The file alone: a line number would go stale with every edit above
        // the card, and rewriting it would make Anki update notes that did
        // not change. The context shows the headings.
        let fields = [
            furigana_field(&card.front),
            back,
            context,
            escape_html(&card.file),
            escape_html(&card.guid),
        ]
        // Anki separates fields with 0x1f in the package; one inside a field
        // would shift the others.
        .map(|f| {
            if f.contains('\x1f') {
                Cow::Owned(f.replace('\x1f', " "))
            } else {
                f
            }
        });
        Note {
            guid: &card.guid,
            deck: &card.deck,
            file: &card.file,
            tags: &card.tags,
            changed: indexed.changed,
            note_type: card.note_type,
            fields,
        }
    }

    pub(crate) fn definition(&self) -> &'static notetype::Definition {
        notetype::definition(self.note_type)
    }

    /// The cards Anki makes of the note, by template number (`ord`): one
    /// a gap number of a cloze note (`cN` is `N - 1`), the reversed card
    /// of a note with a back.
    pub(crate) fn card_ords(&self) -> Vec<u32> {
        match self.note_type {
            NoteType::Cloze => crate::cloze::numbers(&self.fields[1])
                .into_iter()
                .map(|n| n - 1)
                .collect(),
            NoteType::Reversed if !self.fields[1].trim().is_empty() => vec![0, 1],
            _ => vec![0],
        }
    }
}

/// Writes `cards` as `OUT_DIR/STEM.apkg` and `.csv` (as `formats` asks) into
/// temporary files in `out_dir`, to be put in place once the build commits,
/// made as `source` says (an update needs only the cards `Update` names).
/// `notes_root` is where local images are looked up (and never left);
/// remote images come from the cache in `out_dir`, downloaded first when
/// `fetch_remote` asks.
pub fn stage(
    out_dir: &Path,
    notes_root: &Path,
    stem: &str,
    cards: &[IndexedCard],
    formats: &[OutputFormat],
    fetch_remote: bool,
    source: Source,
) -> anyhow::Result<Staged> {
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut media = Media::new(notes_root).with_remote(RemoteImages::new(out_dir, fetch_remote));
    // Anki keys notes by GUID: a second note with the same one would be
    // merged into the first on import. The index already prevents this; the
    // check keeps other callers honest.
    let mut guids = HashSet::with_capacity(cards.len());
    let mut duplicates = Vec::new();
    let unique: Vec<&IndexedCard> = cards
        .iter()
        .filter(|c| {
            let first = guids.insert(c.card.guid.as_str());
            if !first {
                duplicates.push(format!(
                    "{}:{}: GUID {} is already used; this card is left out",
                    c.card.file, c.card.line, c.card.guid
                ));
            }
            first
        })
        .collect();
    let notes = make_notes(&unique, &mut media);
    let media_notes: Vec<String> = unique
        .iter()
        .filter(|c| media::names_media(&c.card.back_html))
        .map(|c| c.card.guid.clone())
        .collect();
    let mut staged = Staged {
        cards: notes.len(),
        ..Staged::default()
    };
    let wanted = |format: OutputFormat| {
        formats
            .contains(&format)
            .then(|| out_dir.join(format!("{stem}.{}", format.extension())))
    };
    let (apkg_path, csv_path) = (wanted(OutputFormat::Apkg), wanted(OutputFormat::Csv));
    // Before the CSV starts: a kept collection that cannot be updated
    // stops the staging here, and the build stages every card anew.
    let updated = match &source {
        Source::Update(update) if apkg_path.is_some() => {
            let kept = update
                .kept
                .as_ref()
                .ok_or_else(|| NotUpdated(anyhow::anyhow!("no collection is kept")))?;
            let changed: Vec<&Note> = notes
                .iter()
                .filter(|n| update.changed.contains(n.guid))
                .collect();
            // A card that changed and was not staged would keep its old note.
            if changed.len() != update.changed.len() {
                return Err(
                    NotUpdated(anyhow::anyhow!("a card that changed is not staged")).into(),
                );
            }
            apkg::update(&kept.path, &changed, update.gone, update.decks).map_err(NotUpdated)?;
            Some(kept)
        }
        _ => None,
    };
    // The CSV is written on a second thread while the package is built: with
    // two cores it then costs next to no time.
    let splice = match &source {
        Source::Update(update) if csv_path.is_some() => Some(
            update
                .csv
                .as_ref()
                .ok_or_else(|| NotUpdated(anyhow::anyhow!("no layout of the CSV is kept")))?,
        ),
        _ => None,
    };
    let (apkg, csv) = std::thread::scope(|scope| {
        let csv = csv_path.as_ref().map(|path| {
            scope.spawn(|| {
                let mut layout = None;
                let file = write_staged(path, |file| {
                    layout = Some(match splice {
                        Some(splice) => {
                            let read: Vec<&Note> = notes
                                .iter()
                                .filter(|n| splice.read.contains(n.file))
                                .collect();
                            csv::splice(file, path, &splice.layout, splice.read, &read)
                                .map_err(NotUpdated)?
                        }
                        None => csv::write(file, &notes)?,
                    });
                    Ok(())
                })?;
                anyhow::Ok((file, layout))
            })
        });
        let apkg = apkg_path.as_ref().map(|path| match updated {
            Some(kept) => {
                let mut pieces = Vec::new();
                let file = write_staged(path, |file| {
                    pieces = apkg::write_as_is(
                        file,
                        &kept.path,
                        path,
                        &kept.record.pieces,
                        media.files(),
                    )?;
                    Ok(())
                })?;
                Ok((file, None, Some(pieces)))
            }
            None => write_fresh_package(path, out_dir, &notes, media.files()),
        });
        let csv = csv.map(|writer| {
            writer
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))
        });
        (apkg, csv)
    });
    if let Some(package) = apkg {
        let (file, kept, pieces) = package?;
        staged.files.push(file);
        staged.media = media.files().len();
        staged.record = pieces.map(|pieces| kept::Record {
            pieces,
            media: media_notes,
        });
        staged.kept = kept;
    }
    if let Some(csv) = csv {
        let (file, layout) = csv?;
        staged.files.push(file);
        staged.csv_layout = layout;
    }
    staged.warnings = duplicates;
    staged.warnings.extend(media.warnings);
    Ok(staged)
}

/// The notes of `cards`, in their order. Making them (furigana, escapes,
/// finding media in the backs) is shared by every core: the package and the
/// CSV wait for all of them, and the other cores would be idle. Only the
/// backs that name media go through the one `Media`, which names each file
/// once and warns in card order, on this thread afterwards: the notes are
/// the same as if made one by one.
fn make_notes<'a>(cards: &[&'a IndexedCard], media: &mut Media) -> Vec<Note<'a>> {
    // Filled in place: 100,000 notes are not moved or held twice.
    let mut notes: Vec<Option<Note>> = std::iter::repeat_with(|| None).take(cards.len()).collect();
    fill_on_every_core(&mut notes, cards, |note, card| {
        *note = Note::without_media(card)
    });
    notes
        .into_iter()
        .zip(cards)
        .map(|(note, card)| note.unwrap_or_else(|| Note::new(card, media)))
        .collect()
}

/// Sets each of `out` from the item of `items` at the same place, the work
/// cut into one run of neighbours a core, this thread taking the first.
fn fill_on_every_core<T: Sync, U: Send>(
    out: &mut [U],
    items: &[T],
    fill: impl Fn(&mut U, &T) + Sync,
) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run = items.len().div_ceil(cores).max(1);
    let fill_run = &|out: &mut [U], items: &[T]| {
        for (slot, item) in out.iter_mut().zip(items) {
            fill(slot, item);
        }
    };
    std::thread::scope(|scope| {
        let mut runs = out.chunks_mut(run).zip(items.chunks(run));
        let first = runs.next();
        for (out, items) in runs {
            scope.spawn(move || fill_run(out, items));
        }
        if let Some((out, items)) = first {
            fill_run(out, items);
        }
    });
}

/// Stages the package of `notes` at `path`, its collection made anew in a
/// temporary file in `out_dir`; returns it and, when the collection can be
/// kept (`apkg::write`), the collection staged to be kept and its pieces.
fn write_fresh_package(
    path: &Path,
    out_dir: &Path,
    notes: &[Note],
    media: &[media::MediaFile],
) -> anyhow::Result<(
    StagedFile,
    Option<StagedFile>,
    Option<Vec<pieces::Recorded>>,
)> {
    let collection = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(out_dir)
        .with_context(|| format!("{}: cannot create a temporary file", out_dir.display()))?;
    let mut deflated = None;
    let file = write_staged(path, |file| {
        deflated = apkg::write(file, collection.path(), notes, media)?;
        Ok(())
    })?;
    let Some(deflated) = deflated else {
        return Ok((file, None, None));
    };
    let pieces = pieces::record(collection.path(), file.temp.path(), &deflated)?;
    let kept = StagedFile {
        temp: collection,
        path: kept::path(out_dir),
    };
    Ok((file, Some(kept), Some(pieces)))
}

/// Writes what will become `path` into a private temporary file beside it
/// (so that the rename is atomic), synced to disk.
fn write_staged(
    path: &Path,
    write: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<StagedFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    write(temp.as_file_mut()).with_context(|| format!("{}: cannot write", path.display()))?;
    temp.as_file()
        .sync_all()
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(StagedFile {
        temp,
        path: path.to_path_buf(),
    })
}

/// The file stem of the one package holding every deck: the notes folder's
/// name (`notes/` → `notes.apkg`).
pub fn package_stem(notes: &Path) -> String {
    let name = std::path::absolute(notes)
        .ok()
        .and_then(|p| {
            p.components().rev().find_map(|c| match c {
                std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
                _ => None,
            })
        })
        .unwrap_or_else(|| "notedeck".to_string());
    file_stem(&name)
}

/// The file stems of the decks' own outputs (`build --split`), one a deck,
/// never two alike: decks whose stems would be the same, even in another
/// letter case (macOS and Windows file names ignore it), each get a short
/// hash of their name (`a::b` and `a__b` both read `a__b`).
pub fn split_stems(decks: &[String]) -> HashMap<String, String> {
    let stems: Vec<String> = decks.iter().map(|d| file_stem(d)).collect();
    let mut uses: HashMap<String, usize> = HashMap::new();
    for stem in &stems {
        *uses.entry(stem.to_lowercase()).or_default() += 1;
    }
    decks
        .iter()
        .zip(stems)
        .map(|(deck, stem)| {
            let stem = if uses[&stem.to_lowercase()] > 1 {
                with_hash(&stem, deck)
            } else {
                stem
            };
            (deck.clone(), stem)
        })
        .collect()
}

fn with_hash(prefix: &str, deck: &str) -> String {
    let hash = notetype::derived_id("file", deck) as u64;
    format!("{prefix}-{:06x}", hash & 0xff_ffff)
}

/// Longest stem kept whole: file systems allow 255 bytes a name, and the
/// suffixes (`-hash.apkg`) need room.
const STEM_MAX_BYTES: usize = 150;

/// The file stem of a deck's outputs: safe on every OS.
///
/// Deck levels are joined with `__`. Characters Windows, macOS or Linux refuse
/// in a file name (`/ \ : * ? " < > |`, control characters), Windows device
/// names (`CON`, `COM1`, …) and trailing dots or spaces are replaced; when
/// anything had to be replaced or cut, a short hash of the deck name is added
/// so that two decks never share a file.
pub fn file_stem(deck: &str) -> String {
    let joined = deck.replace("::", "__");
    let mut altered = false;
    let mut stem: String = joined
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                altered = true;
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed_len = stem.trim_end_matches(['.', ' ']).len();
    if trimmed_len != stem.len() || stem.starts_with('.') {
        altered = true;
        stem.truncate(trimmed_len);
        stem = stem.trim_start_matches('.').to_string();
    }
    if stem.len() > STEM_MAX_BYTES {
        altered = true;
        let mut cut = STEM_MAX_BYTES;
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        stem.truncate(cut);
    }
    let device = stem.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((device.starts_with("COM") || device.starts_with("LPT"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    if stem.is_empty() || reserved || altered {
        let prefix = if stem.is_empty() { "deck" } else { &stem };
        stem = with_hash(prefix, deck);
    }
    stem
}

/// The Anki search that finds the note of the card `guid`: its `Key` field,
/// as the field holds it (HTML: Anki searches a field's text as stored),
/// with what Anki's search reads as syntax escaped (the wildcards `*` and
/// `_`, quotes, backslashes).
pub fn key_search(guid: &str) -> String {
    let mut search = String::from("\"Key:");
    for c in escape_html(guid).chars() {
        if matches!(c, '\\' | '"' | '*' | '_') {
            search.push('\\');
        }
        search.push(c);
    }
    search.push('"');
    search
}

/// A field the templates show through Anki's `furigana:` filter (Front,
/// Context): HTML, with furigana in Anki's syntax and other brackets as
/// entities, which the filter leaves alone.
/// A front or context as a field: its furigana in Anki's syntax for the
/// note type's `furigana:` filter, and its math (`$…$`, `$$…$$`, found as
/// the backs' Markdown finds it) in MathJax's delimiters, as on the backs.
fn furigana_field(text: &str) -> Cow<'_, str> {
    if text.contains('$') {
        if let Some(field) = with_math(text) {
            return Cow::Owned(field);
        }
    }
    if text.contains(['[', ']', '{', '<']) {
        Cow::Owned(crate::japanese::furigana::to_anki_field(text, escape_html))
    } else {
        escape_html(text)
    }
}

/// The field of a text that has math, or None when it has none. The TeX is
/// kept as written; its brackets are written as entities, which MathJax
/// reads as brackets and the furigana filter leaves alone (`a[i]` is not
/// ruby).
fn with_math(text: &str) -> Option<String> {
    use pulldown_cmark::{Event, Options, Parser};

    let mut field = String::with_capacity(text.len() + 8);
    let mut done = 0;
    for (event, range) in Parser::new_ext(text, Options::ENABLE_MATH).into_offset_iter() {
        let (open, tex, close) = match &event {
            Event::InlineMath(tex) => (r"\(", tex, r"\)"),
            Event::DisplayMath(tex) => (r"\[", tex, r"\]"),
            _ => continue,
        };
        field.push_str(&furigana_field(&text[done..range.start]));
        field.push_str(open);
        field.push_str(&escape_html(tex).replace('[', "&#91;").replace(']', "&#93;"));
        field.push_str(close);
        done = range.end;
    }
    if done == 0 {
        return None;
    }
    field.push_str(&furigana_field(&text[done..]));
    Some(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Card;

    #[test]
    fn math_in_a_front_becomes_mathjax_beside_its_furigana() {
        assert_eq!(
            furigana_field(r"公式 $a[i]^2 < b$ と $$E$$ の漢字[かんじ]"),
            r"公式 \(a&#91;i&#93;^2 &lt; b\) と \[E\] の 漢字[かんじ]"
        );
        // Dollars that are no math stay as written.
        assert_eq!(furigana_field("$5 と $6 の差"), "$5 と $6 の差");
    }

    #[test]
    fn stems_are_safe_and_distinct() {
        assert_eq!(file_stem("CloudLicence"), "CloudLicence");
        assert_eq!(
            file_stem("aws::DOP::CloudLicence"),
            "aws__DOP__CloudLicence"
        );
        assert_eq!(file_stem("日本語::試験"), "日本語__試験");
        let odd = [
            "a/b", "a\\b", "a:b", "a?b", "CON", "com1", "x.", ".hidden", "", "a\u{1}b",
        ];
        let stems: Vec<String> = odd.iter().map(|d| file_stem(d)).collect();
        for stem in &stems {
            assert!(!stem.is_empty());
            assert!(!stem.contains(['/', '\\', ':', '?', '\u{1}']), "{stem}");
            assert!(
                !stem.ends_with(['.', ' ']) && !stem.starts_with('.'),
                "{stem}"
            );
        }
        assert_ne!(file_stem("a/b"), file_stem("a\\b"));
        assert_ne!(file_stem("CON"), "CON");
        let long = "長".repeat(200);
        assert!(file_stem(&long).len() <= STEM_MAX_BYTES + 7);
    }

    fn indexed(guid: &str, front: &str) -> IndexedCard {
        IndexedCard {
            card: Card {
                guid: guid.into(),
                deck: "親::子".into(),
                front: front.into(),
                back: "定義".into(),
                back_html: "<p>定義</p>".into(),
                context: vec![].into(),
                tags: vec!["41".into()].into(),
                kind: crate::card::Kind::Term,
                file: "a.md".into(),
                line: 3,
                note_type: Default::default(),
            },
            changed: 1_750_000_000,
        }
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn stages_both_formats_and_puts_them_in_place_with_no_temporaries_left() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let cards = [
            indexed("g1", "用語"),
            indexed("g1", "重複"),
            indexed("g2", "別"),
        ];
        let formats = [OutputFormat::Csv, OutputFormat::Apkg, OutputFormat::Csv];
        let staged = stage(
            &out,
            dir.path(),
            "親__子",
            &cards,
            &formats,
            false,
            Source::Fresh,
        )
        .unwrap();
        let paths: Vec<&PathBuf> = staged.files.iter().map(|f| &f.path).collect();
        assert_eq!(paths, [&out.join("親__子.apkg"), &out.join("親__子.csv")]);
        assert_eq!(staged.cards, 2);
        assert_eq!(staged.warnings.len(), 1);
        assert!(staged.warnings[0].starts_with("a.md:3: GUID g1"));
        // Staged, nothing is in place yet: only notedeck's own temporaries
        // (the package, the CSV, the collection to keep).
        let names = names_in(&out);
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(
            names.iter().all(|n| n.starts_with(TEMP_PREFIX)),
            "{names:?}"
        );
        assert!(staged.record.is_some());
        for file in staged.files.into_iter().chain(staged.kept) {
            file.put_in_place().unwrap();
        }
        assert_eq!(
            names_in(&out),
            [".notedeck-collection.anki2", "親__子.apkg", "親__子.csv"]
        );
        let csv = fs::read_to_string(out.join("親__子.csv")).unwrap();
        assert_eq!(csv.lines().filter(|l| !l.starts_with('#')).count(), 2);
    }

    /// Notes made on every core are those made one by one, in the same
    /// order, with the same media files (each once, in the order first met)
    /// and the same warnings in card order.
    #[test]
    fn notes_made_on_every_core_are_those_made_one_by_one() {
        let notes_root = tempfile::tempdir().unwrap();
        fs::write(notes_root.path().join("a.png"), b"a").unwrap();
        fs::write(notes_root.path().join("b.png"), b"b").unwrap();
        fs::write(notes_root.path().join("s.mp3"), b"s").unwrap();
        let backs = [
            "<p>定義</p>",
            r#"<p><img src="b.png"></p>"#,
            "<p>音 [sound:s.mp3]</p>",
            r#"<img src="missing-1.png">"#,
            "区切り\x1fの後",
            r#"<img src="a.png"><img src="b.png">"#,
            "<p>定義</p>",
            r#"<img src="missing-2.png">"#,
            r#"<img src="a.png">"#,
        ];
        let cards: Vec<IndexedCard> = backs
            .iter()
            .enumerate()
            .map(|(i, back)| {
                let mut card = indexed(&format!("g{i}"), &format!("用語[ようご] {i}"));
                card.card.back_html = back.to_string();
                card
            })
            .collect();
        let refs: Vec<&IndexedCard> = cards.iter().collect();

        let mut serial_media = Media::new(notes_root.path());
        let serial: Vec<Note> = cards
            .iter()
            .map(|c| Note::new(c, &mut serial_media))
            .collect();
        let mut media = Media::new(notes_root.path());
        let notes = make_notes(&refs, &mut media);

        let fields = |notes: &[Note]| -> Vec<Vec<String>> {
            notes
                .iter()
                .map(|n| n.fields.iter().map(|f| f.to_string()).collect())
                .collect()
        };
        assert_eq!(fields(&notes), fields(&serial));
        assert!(notes[5].fields[1].contains("nd-"), "{:?}", notes[5].fields);
        assert_eq!(media.files(), serial_media.files());
        assert_eq!(media.files().len(), 3);
        assert_eq!(media.warnings, serial_media.warnings);
        assert_eq!(media.warnings.len(), 2, "{:?}", media.warnings);
        assert!(media.warnings[0].contains("missing-1.png"));
    }

    #[test]
    fn split_stems_never_collide() {
        let decks: Vec<String> = ["a::b", "a__b", "Notes", "notes", "x::y"]
            .iter()
            .map(|d| d.to_string())
            .collect();
        let stems = split_stems(&decks);
        let mut distinct: Vec<String> = stems.values().map(|s| s.to_lowercase()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), decks.len(), "{stems:?}");
        assert_eq!(stems["x::y"], "x__y");
        assert!(stems["a::b"].starts_with("a__b-"), "{stems:?}");
    }

    #[test]
    fn the_package_is_named_after_the_notes_folder() {
        assert_eq!(package_stem(Path::new("notes")), "notes");
        assert_eq!(package_stem(Path::new("/home/u/勉強/")), "勉強");
        assert_eq!(package_stem(Path::new("/")), "notedeck");
    }

    #[test]
    fn key_searches_match_the_field_as_stored() {
        assert_eq!(key_search("ab"), "\"Key:ab\"");
        assert_eq!(key_search("a<b&c"), "\"Key:a&lt;b&amp;c\"");
        assert_eq!(key_search("a*b_c"), "\"Key:a\\*b\\_c\"");
    }
}
