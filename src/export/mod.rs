//! Index → one `.apkg` and one `.csv` per deck, each written atomically.
//!
//! `write_deck` turns the cards into Anki notes once (fields, media) and hands
//! them to the writers: `apkg` (the legacy package every Anki client imports)
//! and `csv` (Anki's text import with header lines). `media` finds and checks
//! local images, `notetype` holds the note type and the derived ids.

mod apkg;
mod csv;
pub mod media;
pub mod notetype;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::card::Card;
use media::Media;

/// A card as the index holds it: with the time its content last changed.
#[derive(Debug, Clone)]
pub struct IndexedCard {
    pub card: Card,
    /// Unix seconds when the card's content last changed: the note's `mod`.
    pub changed: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum OutputFormat {
    Apkg,
    Csv,
}

/// What writing one deck produced.
#[derive(Debug, Default)]
pub struct DeckReport {
    pub files: Vec<PathBuf>,
    /// Problems that did not stop the export, such as `file:line: image not found`.
    pub warnings: Vec<String>,
    /// Notes written (one per card).
    pub cards: usize,
    /// Local images packaged.
    pub media: usize,
}

/// Context levels are shown joined by this, small, above the front.
pub const CONTEXT_SEPARATOR: &str = " › ";

/// One card as an Anki note: the four fields of the `notedeck` note type
/// (Front, Back, Context, Source) as HTML, and what identifies and places it.
#[derive(Debug)]
pub(crate) struct Note<'a> {
    pub guid: &'a str,
    pub deck: &'a str,
    pub tags: &'a [String],
    pub changed: i64,
    /// Borrowed from the card where nothing needs changing: 100,000 cards
    /// are then not held twice.
    pub fields: [Cow<'a, str>; 4],
}

impl<'a> Note<'a> {
    fn new(indexed: &'a IndexedCard, media: &mut Media) -> Self {
        let card = &indexed.card;
        let context = match card.context.as_slice() {
            [] => Cow::Borrowed(""),
            [one] => escape_html(one),
            many => Cow::Owned(escape_html(&many.join(CONTEXT_SEPARATOR)).into_owned()),
        };
        let source = format!("{}:{}", card.file, card.line);
        let fields = [
            escape_html(&card.front),
            media.rewrite_back(card),
            context,
            Cow::Owned(escape_html(&source).into_owned()),
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
            tags: &card.tags,
            changed: indexed.changed,
            fields,
        }
    }
}

/// Writes the files of one deck into `out_dir`. `notes_root` is where local
/// images are looked up (and never left).
pub fn write_deck(
    out_dir: &Path,
    notes_root: &Path,
    deck: &str,
    cards: &[IndexedCard],
    formats: &[OutputFormat],
) -> anyhow::Result<DeckReport> {
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut media = Media::new(notes_root);
    // Anki keys notes by GUID: a second note with the same one would be
    // merged into the first on import. The index already prevents this; the
    // check keeps other callers honest.
    let mut guids = HashSet::with_capacity(cards.len());
    let mut duplicates = Vec::new();
    let notes: Vec<Note> = cards
        .iter()
        .filter(|c| {
            let first = guids.insert(c.card.guid.as_str());
            if !first {
                duplicates.push(format!(
                    "{}:{}: GUID {} is already used in deck {}; this card is left out",
                    c.card.file, c.card.line, c.card.guid, deck
                ));
            }
            first
        })
        .map(|c| Note::new(c, &mut media))
        .collect();
    let stem = file_stem(deck);
    let mut report = DeckReport {
        cards: notes.len(),
        ..DeckReport::default()
    };
    let wanted = |format, extension| {
        formats
            .contains(&format)
            .then(|| out_dir.join(format!("{stem}.{extension}")))
    };
    let (apkg_path, csv_path) = (
        wanted(OutputFormat::Apkg, "apkg"),
        wanted(OutputFormat::Csv, "csv"),
    );
    // The CSV is written on a second thread while the package is built: with
    // two cores it then costs next to no time.
    let (apkg, csv) = std::thread::scope(|scope| {
        let csv = csv_path
            .as_ref()
            .map(|path| scope.spawn(|| write_atomically(path, |file| csv::write(file, &notes))));
        let apkg = apkg_path
            .as_ref()
            .map(|path| write_atomically(path, |file| apkg::write(file, &notes, media.files())));
        let csv = csv.map(|writer| {
            writer
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))
        });
        (apkg, csv)
    });
    if let Some(written) = apkg {
        written?;
        report.media = media.files().len();
        report.files.extend(apkg_path);
    }
    if let Some(written) = csv {
        written?;
        report.files.extend(csv_path);
    }
    report.warnings = duplicates;
    report.warnings.extend(media.warnings);
    Ok(report)
}

/// Writes `path` through a temporary file in the same folder, renamed into
/// place once complete: a reader (or Anki) never sees half a file, and a
/// failed build leaves the previous output as it was.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // tempfile's default name (`.tmp…`) is what `build` sweeps up after a
    // killed run.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    write(tmp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    // Temporary files are private (0600); outputs are ordinary files to share.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
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
        let hash = notetype::derived_id("file", deck) as u64;
        let prefix = if stem.is_empty() { "deck" } else { &stem };
        stem = format!("{prefix}-{:06x}", hash & 0xff_ffff);
    }
    stem
}

/// Card text is plain text; Anki fields are HTML.
pub fn escape_html(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                context: vec![],
                tags: vec!["41".into()],
                kind: crate::card::Kind::Term,
                file: "a.md".into(),
                line: 3,
            },
            changed: 1_750_000_000,
        }
    }

    #[test]
    fn writes_both_formats_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let cards = [
            indexed("g1", "用語"),
            indexed("g1", "重複"),
            indexed("g2", "別"),
        ];
        let formats = [OutputFormat::Csv, OutputFormat::Apkg, OutputFormat::Csv];
        let report = write_deck(&out, dir.path(), "親::子", &cards, &formats).unwrap();
        assert_eq!(
            report.files,
            vec![out.join("親__子.apkg"), out.join("親__子.csv")]
        );
        assert_eq!(report.cards, 2);
        assert_eq!(report.warnings.len(), 1);
        assert!(report.warnings[0].starts_with("a.md:3: GUID g1"));
        let names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let csv = fs::read_to_string(out.join("親__子.csv")).unwrap();
        assert_eq!(csv.lines().filter(|l| !l.starts_with('#')).count(), 2);
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape_html(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
