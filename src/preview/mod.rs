//! `notedeck preview`: every card of the index in one HTML page,
//! `OUT/preview.html`, rendered with the note type's own templates and
//! style, so a learner sees the cards as Anki will show them before
//! importing anything.
//!
//! The page is one file that works offline: the style and script are in
//! it, and so are the cards' images and sounds (as `data:` URLs). Each card
//! shows its question and answer (context, front, back, source); a search
//! box, a deck and a tag filter narrow the list, and a switch shows night
//! mode. The page reads its starting state from the URL fragment
//! (`#q=漢字&deck=aws&tag=41&night=1`) and keeps the fragment up to date, so
//! a filtered view is a link.
//!
//! Notes may come from strangers: the page runs none of their scripts and
//! goes online for none of their images (see `safety`).

mod safety;
mod template;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use base64::Engine as _;

use crate::export::media::{Media, MediaFile};
// The cloze note type's style is the others' and its gaps': one for all.
use crate::build;
use crate::card::IndexedCard;
use crate::export::notetype::CLOZE_CSS;
use crate::export::Note;
use crate::html::escape_html;
use crate::index::{read_card, Index, CARD_COLUMNS};
use crate::japanese::furigana;
pub use safety::RemoteImages;

/// The page's own style (around the cards) and script.
const PAGE_CSS: &str = include_str!("page.css");
const PAGE_JS: &str = include_str!("page.js");

/// The largest media file put into the page. A larger one is left out with
/// a warning (the package still carries it): the page has to open quickly.
pub const MAX_EMBEDDED_BYTES: u64 = 4 << 20;

/// The name of the page in the output folder.
pub const FILE_NAME: &str = "preview.html";

/// The command: reads the index of `out` (as `search` does, never writing
/// it) and writes `OUT/preview.html`. Local media are looked up under
/// `notes`, or the notes folder the index was built from.
pub fn command(
    out: &Path,
    notes: Option<&Path>,
    remote_images: RemoteImages,
) -> anyhow::Result<ExitCode> {
    let index = Index::open_read_only(&build::index_path(out))?;
    let notes: PathBuf = match notes {
        Some(notes) => notes.to_path_buf(),
        None => index
            .meta(build::META_NOTES)?
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("notes")),
    };
    let cards = all_cards(&index)?;
    let page = page(&cards, &notes, remote_images);
    for warning in &page.warnings {
        eprintln!("notedeck: warning: {warning}");
    }
    let path = out.join(FILE_NAME);
    write_atomically(&path, page.html.as_bytes())?;
    println!(
        "{} card{} · {}",
        page.cards,
        if page.cards == 1 { "" } else { "s" },
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn all_cards(index: &Index) -> anyhow::Result<Vec<IndexedCard>> {
    let mut stmt = index.connection().prepare(&format!(
        "SELECT {CARD_COLUMNS} FROM cards ORDER BY deck, file, line"
    ))?;
    let cards = stmt.query_map([], read_card)?.collect::<Result<_, _>>()?;
    Ok(cards)
}

/// A temporary file beside `path`, renamed into place: a browser that has
/// the page open never reads half of it.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(crate::export::TEMP_PREFIX)
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    std::io::Write::write_all(&mut temp, bytes)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.persist(path)
        .with_context(|| format!("{}: cannot rename the new file into place", path.display()))?;
    Ok(())
}

/// The page and what did not stop it (missing or oversized media).
#[derive(Debug)]
pub struct Page {
    pub html: String,
    /// The cards it shows: one a card Anki makes (a cloze note has one a
    /// gap).
    pub cards: usize,
    pub warnings: Vec<String>,
}

/// The page of `cards`, with the media they use from under `notes_root`.
pub fn page(cards: &[IndexedCard], notes_root: &Path, remote_images: RemoteImages) -> Page {
    let mut media = Media::new(notes_root);
    let mut decks = BTreeSet::new();
    let mut tags = BTreeSet::new();
    let mut articles = String::new();
    let mut shown = 0;
    for indexed in cards {
        let card = &indexed.card;
        let note = Note::new(indexed, &mut media);
        let definition = note.definition();
        let fields: Vec<(&str, &str)> = definition
            .fields
            .iter()
            .zip(&note.fields)
            .map(|(name, value)| (*name, value.as_ref()))
            .collect();
        // A deck and the decks above it: choosing `aws` shows `aws::DOP` too.
        decks.extend(
            card.deck
                .match_indices("::")
                .map(|(at, _)| &card.deck[..at]),
        );
        decks.insert(&card.deck);
        tags.extend(card.tags.iter().map(String::as_str));
        let search_text = [
            furigana::searchable(&card.front),
            furigana::searchable(&card.context.join(" ")),
            furigana::searchable(&card.back),
            (*card.deck).into(),
        ]
        .join("\n");
        // Each card Anki makes of the note: a cloze note's card a gap
        // (with its one template), a reversed note's two.
        let ords = note.card_ords();
        for &ord in &ords {
            let template = &definition.templates[if definition.is_cloze() {
                0
            } else {
                ord as usize
            }];
            let side = |answer| template::Side { ord, answer };
            let question = template::render(template.qfmt, &fields, "", side(false));
            let answer = template::render(template.afmt, &fields, &question, side(true));
            // Cleaned once rendered: the filters cut the fields' HTML where
            // their syntax is, so only the whole side is sure to be balanced.
            let (question, answer) = (safety::clean(&question), safety::clean(&answer));
            let which = if ords.len() > 1 {
                format!(" · card {}", ord + 1)
            } else {
                String::new()
            };
            writeln!(
                articles,
                "<article class=\"pv-card\" data-deck=\"{deck}\" data-tags=\"{tags}\" data-text=\"{text}\">\
                 <div class=\"pv-meta\">{deck}{shown_tags}{which}</div><div class=\"pv-sides\"><div class=\"pv-side\"><div class=\"pv-label\">Front</div><div class=\"card\">{question}</div></div>\
                 <div class=\"pv-side\"><div class=\"pv-label\">Back</div><div class=\"card\">{answer}</div></div></div></article>",
                deck = escape_html(&card.deck),
                tags = escape_html(&card.tags.join(" ")),
                text = escape_html(&search_text),
                shown_tags = escape_html(&card.tags.iter().map(|t| format!(" · #{t}")).collect::<String>()),
            )
            .expect("writing to a String");
            shown += 1;
        }
    }
    let mut warnings = std::mem::take(&mut media.warnings);
    let articles = embed_media(&articles, media.files(), &mut warnings);
    let options = |values: &BTreeSet<&str>| -> String {
        values
            .iter()
            .map(|v| format!("<option value=\"{0}\">{0}</option>", escape_html(v)))
            .collect()
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>notedeck preview</title>\n<style>\n{CLOZE_CSS}\n{PAGE_CSS}</style></head>\n\
         <body data-remote-images=\"{remote}\"><header class=\"pv-bar\">\
         <input id=\"pv-search\" type=\"search\" placeholder=\"Search\" aria-label=\"Search\">\
         <select id=\"pv-deck\" aria-label=\"Deck\"><option value=\"\">All decks</option>{decks}</select>\
         <select id=\"pv-tag\" aria-label=\"Tag\"><option value=\"\">All tags</option>{tags}</select>\
         <label><input id=\"pv-night\" type=\"checkbox\"> Night</label>\
         <output id=\"pv-count\" data-total=\"{total}\">{total} cards</output></header>\n\
         <main id=\"pv-cards\">\n{articles}</main>\n<script>{PAGE_JS}</script></body></html>\n",
        policy = safety::content_security_policy(PAGE_JS, remote_images),
        remote = remote_images.script_name(),
        decks = options(&decks),
        tags = options(&tags),
        total = shown,
    );
    Page {
        html,
        cards: shown,
        warnings,
    }
}

/// `html` with each packaged media name (`src="nd-….png"`,
/// `[sound:nd-….mp3]`) replaced by the file itself as a `data:` URL, sounds
/// as an audio player; each file is read once.
/// The bytes of a media file to embed, read as a package reads it (a
/// regular file, no link: `files`), or why not.
fn embeddable(path: &Path) -> Result<Vec<u8>, String> {
    let unreadable = |err: std::io::Error| format!("unreadable: {err}");
    let too_large = || {
        format!(
            "left out of the preview, larger than {} MiB",
            MAX_EMBEDDED_BYTES >> 20
        )
    };
    let file = crate::files::open_regular_no_link(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() > MAX_EMBEDDED_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_EMBEDDED_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_EMBEDDED_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn embed_media(html: &str, files: &[MediaFile], warnings: &mut Vec<String>) -> String {
    let mut urls: HashMap<&str, String> = HashMap::new();
    for file in files {
        match embeddable(&file.path) {
            Ok(bytes) => {
                let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                urls.insert(
                    &file.name,
                    format!("data:{};base64,{data}", mime_type(&file.name)),
                );
            }
            Err(why) => warnings.push(format!("{}: {why}", file.path.display())),
        }
    }
    let mut out = html.to_string();
    for (name, url) in &urls {
        out = out
            .replace(&format!("src=\"{name}\""), &format!("src=\"{url}\""))
            .replace(
                &format!("[sound:{name}]"),
                &format!("<audio controls preload=\"none\" src=\"{url}\"></audio>"),
            );
    }
    out
}

fn mime_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "avif" => "image/avif",
        "mp3" => "audio/mpeg",
        "m4a" | "aac" => "audio/mp4",
        "ogg" | "oga" | "opus" | "spx" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "webm" => "video/webm",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{Card, Kind, NoteType};

    fn indexed(front: &str, back_html: &str, deck: &str, tags: &[&str]) -> IndexedCard {
        IndexedCard {
            card: Card {
                guid: format!("g-{front}"),
                deck: deck.into(),
                front: front.into(),
                back: String::new(),
                back_html: back_html.into(),
                context: vec!["見出し".into()].into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                kind: Kind::Term,
                file: "n.md".into(),
                line: 3,
                note_type: Default::default(),
            },
            changed: 0,
        }
    }

    #[test]
    fn the_page_holds_every_card_its_filters_and_its_media() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.png"), b"png").unwrap();
        std::fs::write(dir.path().join("s.mp3"), b"mp3").unwrap();
        let cards = [
            indexed(
                "漢字[かんじ]",
                "<p><img src=\"a.png\"> [sound:s.mp3]</p>",
                "日本語",
                &["41"],
            ),
            indexed("<b>", "<p>x</p>", "aws::DOP", &[]),
        ];
        let page = page(&cards, dir.path(), RemoteImages::Links);
        assert!(page.warnings.is_empty(), "{:?}", page.warnings);
        let html = &page.html;
        assert_eq!(html.matches("<article class=\"pv-card\"").count(), 2);
        assert!(html.contains("data-total=\"2\">2 cards</output>"));
        for option in ["aws", "aws::DOP", "日本語", "41"] {
            assert!(
                html.contains(&format!("<option value=\"{option}\">")),
                "{option}"
            );
        }
        assert!(html.contains("<ruby><rb>漢字</rb><rt>かんじ</rt></ruby>"));
        assert!(html.contains("<div class=\"nd-context\">見出し</div>"));
        assert!(
            html.contains("src=\"data:image/png;base64,cG5n\""),
            "the image is in the page"
        );
        assert!(
            html.contains("<audio controls preload=\"none\" src=\"data:audio/mpeg;base64,bXAz\">")
        );
        assert!(
            html.contains("&lt;b&gt;") && !html.contains("<b>"),
            "fronts are text"
        );
        assert!(
            !html.contains("src=\"nd-"),
            "no media name is left unresolved"
        );
    }

    #[test]
    fn each_card_anki_makes_is_shown_with_its_note_type_templates() {
        let dir = tempfile::tempdir().unwrap();
        let typed = |front: &str, back_html: &str, note_type| {
            let mut card = indexed(front, back_html, "d", &[]);
            card.card.note_type = note_type;
            card
        };
        let cards = [
            typed("穴", "<p>{{c1::光}}と{{c2::水}}</p>", NoteType::Cloze),
            typed("表", "<p>裏</p>", NoteType::Reversed),
            typed("犬", "<p>dog</p>", NoteType::TypeIn),
        ];
        let page = page(&cards, dir.path(), RemoteImages::Links);
        assert_eq!(page.cards, 5, "two gaps, two sides, one typed answer");
        let html = &page.html;
        assert_eq!(html.matches("<article class=\"pv-card\"").count(), 5);
        assert!(html.contains(
            "<span class=\"cloze\">[...]</span>と<span class=\"cloze-inactive\">水</span>"
        ));
        assert!(html.contains(
            "<span class=\"cloze-inactive\">光</span>と<span class=\"cloze\">[...]</span>"
        ));
        assert!(
            html.contains("<div class=\"nd-back\"><p>裏</p></div>"),
            "the reversed question"
        );
        assert!(html.contains("<input class=\"pv-typeans\""));
        assert!(!html.contains("{{"), "no template or gap syntax is left");
    }
}
