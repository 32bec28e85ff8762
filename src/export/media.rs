//! The media of a card's back: images (`<img src>`) and sounds (Anki's
//! `[sound:…]`, which `render` also makes of `![](x.mp3)` and `![[x.mp3]]`).
//! Local files are copied into the package under content-hashed names,
//! remote images are packed from the cache of `remote` when it has them and
//! otherwise left alone (with one warning: they show only online), and
//! nothing from outside the notes folder or that cache is ever taken, nor
//! anything but a regular file, opened without following a link (a package
//! may be shared, and `sync` copies its media into Anki).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::image_type::{self, SNIFF_LEN};
use super::remote::RemoteImages;
use crate::card::Card;
use crate::files;
use crate::limits::MAX_MEDIA_BYTES;
use crate::link::is_url;

/// One file to put into the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// The name inside the collection's media folder, e.g. `nd-3f2a….png`.
    pub name: String,
    pub path: PathBuf,
}

/// The local images of one deck, deduplicated by content.
#[derive(Debug)]
pub struct Media {
    /// Canonical notes root: resolved images must stay under it.
    root: Option<PathBuf>,
    /// Canonical path → media name, so a file used by many cards is hashed once.
    by_path: HashMap<PathBuf, String>,
    files: Vec<MediaFile>,
    pub warnings: Vec<String>,
    /// Where remote images are cached (and fetched, when asked).
    remote: Option<RemoteImages>,
    /// A remote image was left as a link (and warned about, once).
    remote_warned: bool,
    /// Remote images that could not be fetched: each is tried, and named in
    /// a warning, once.
    remote_failed: HashSet<String>,
}

impl Media {
    pub fn new(notes_root: &Path) -> Self {
        Media {
            root: fs::canonicalize(notes_root).ok(),
            by_path: HashMap::new(),
            files: Vec::new(),
            warnings: Vec::new(),
            remote: None,
            remote_warned: false,
            remote_failed: HashSet::new(),
        }
    }

    /// Packs the remote images that `remote` has (or fetches).
    pub fn with_remote(mut self, remote: RemoteImages) -> Self {
        self.remote = Some(remote);
        self
    }

    /// The files to package, each once, in the order first met.
    pub fn files(&self) -> &[MediaFile] {
        &self.files
    }

    /// `card.back_html` with every local `<img src>` and `[sound:…]`
    /// pointing at its media name. Files that are missing or refused keep
    /// their name (Anki shows a broken image, plays nothing) and leave a
    /// warning naming `file:line`.
    pub fn rewrite_back<'a>(&mut self, card: &'a Card) -> Cow<'a, str> {
        let html = rewrite_each(&card.back_html, next_img_src, |src| {
            self.media_name(card, src, "image")
        });
        match rewrite_each(&html, next_sound, |name| {
            self.media_name(card, name, "sound")
        }) {
            Cow::Borrowed(_) => html,
            Cow::Owned(html) => Cow::Owned(html),
        }
    }

    /// The media name for one src value as written in the HTML, or None when it
    /// stays as it is (remote, missing, refused).
    fn media_name(&mut self, card: &Card, raw_src: &str, what: &str) -> Option<String> {
        let at = format!("{}:{}", card.file, card.line);
        let url = html_unescape(raw_src);
        if is_remote(&url) && what == "image" {
            return self.remote_image(&at, &url);
        }
        let src = percent_decode(&url);
        let src = src.split(['?', '#']).next().unwrap_or_default();
        if src.is_empty() || is_url(src) {
            return None;
        }
        if is_absolute(src) {
            self.warn(format!("{at}: {what} refused, absolute path: {src}"));
            return None;
        }
        let note_dir = Path::new(&*card.file).parent().unwrap_or(Path::new(""));
        let relative = note_dir.join(src);
        if escapes(&relative) {
            self.warn(format!(
                "{at}: {what} refused, outside the notes folder: {src}"
            ));
            return None;
        }
        let Some(root) = self.root.clone() else {
            self.warn(format!("{at}: {what} not found (no notes folder): {src}"));
            return None;
        };
        // Beside the note first; then from the notes root, as Obsidian
        // resolves `![[img/x.png]]`. canonicalize follows symlinks, so a link
        // inside the notes folder that points elsewhere is caught by the
        // prefix check below.
        let found = [relative.as_path(), Path::new(src)]
            .into_iter()
            .filter_map(|p| path_in_any_form(&root, p))
            .find_map(|p| fs::canonicalize(p).ok().filter(|p| p.is_file()));
        let Some(path) = found else {
            self.warn(format!("{at}: {what} not found: {src}"));
            return None;
        };
        if !path.starts_with(&root) {
            self.warn(format!(
                "{at}: {what} refused, outside the notes folder: {src}"
            ));
            return None;
        }
        self.pack(path, Naming::ByPath)
            .map_err(|reason| self.warn(format!("{at}: {what} left out, {reason}: {src}")))
            .ok()
    }

    /// The media name of a remote image in the cache, fetched first if
    /// asked; None leaves it a link.
    fn remote_image(&mut self, at: &str, url: &str) -> Option<String> {
        if self.remote_failed.contains(url) {
            return None;
        }
        match self.remote.as_mut().map(|remote| remote.get(url)) {
            // The cache is in OUT, which may come with the notes: it is
            // packed only when it holds a picture, named by its kind.
            Some(Ok(Some(path))) => match self.pack(path, Naming::ByContent) {
                Ok(name) => Some(name),
                Err(reason) => {
                    self.remote_failed.insert(url.to_string());
                    self.warn(format!(
                        "{at}: remote image left as a link, its cached copy is refused ({reason}): {url}"
                    ));
                    None
                }
            },
            Some(Err(reason)) => {
                self.remote_failed.insert(url.to_string());
                self.warn(format!(
                    "{at}: remote image not fetched, left as a link: {url}: {reason}"
                ));
                None
            }
            Some(Ok(None)) | None => {
                if !self.remote_warned {
                    self.remote_warned = true;
                    self.warn(format!(
                        "{at}: remote image left as a link, shown only when online: {url} (other remote images are not listed; `build --fetch-remote` packs them)"
                    ));
                }
                None
            }
        }
    }

    /// Adds the file at `path` to the package (once, under its content's
    /// name) and returns that name; `Err`: why it is left out.
    fn pack(&mut self, path: PathBuf, naming: Naming) -> Result<String, String> {
        if let Some(name) = self.by_path.get(&path) {
            return Ok(name.clone());
        }
        let name = hashed_name(&path, naming)?;
        self.by_path.insert(path.clone(), name.clone());
        if !self.files.iter().any(|f| f.name == name) {
            self.files.push(MediaFile {
                name: name.clone(),
                path,
            });
        }
        Ok(name)
    }

    fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }
}

/// `html` with each value that `next` finds replaced by what `name` makes
/// of it (kept when None); borrowed when nothing was found.
fn rewrite_each<'h>(
    html: &'h str,
    next: fn(&str) -> Option<(&str, &str, &str)>,
    mut name: impl FnMut(&str) -> Option<String>,
) -> Cow<'h, str> {
    let Some(mut found) = next(html) else {
        return Cow::Borrowed(html);
    };
    let mut out = String::with_capacity(html.len());
    loop {
        let (before, value, after) = found;
        out.push_str(before);
        match name(value) {
            Some(name) => out.push_str(&name),
            None => out.push_str(value),
        }
        match next(after) {
            Some(next) => found = next,
            None => {
                out.push_str(after);
                return Cow::Owned(out);
            }
        }
    }
}

/// Whether a back has an image or a sound for `Media::rewrite_back` to
/// name: one without is left as it is, and `Media` unchanged.
pub fn names_media(back_html: &str) -> bool {
    next_img_src(back_html).is_some() || next_sound(back_html).is_some()
}

/// Finds the next `[sound:NAME]` and splits `html` around NAME.
fn next_sound(html: &str) -> Option<(&str, &str, &str)> {
    const OPEN: &str = "[sound:";
    let mut offset = 0;
    loop {
        let start = offset + html[offset..].find(OPEN)? + OPEN.len();
        let end = html[start..].find([']', '[', '<', '\n']).map(|i| start + i);
        match end {
            Some(end) if html[end..].starts_with(']') && end > start => {
                return Some((&html[..start], &html[start..end], &html[end..]))
            }
            _ => offset = start,
        }
    }
}

/// Finds the next `<img … src=…>` and splits `html` around the src value.
fn next_img_src(html: &str) -> Option<(&str, &str, &str)> {
    let mut offset = 0;
    loop {
        let tag_start = offset + find_ascii_ci(&html[offset..], "<img")?;
        let tag_end = html[tag_start..]
            .find('>')
            .map_or(html.len(), |i| tag_start + i);
        let tag = &html[tag_start..tag_end];
        if let Some((start, end)) = src_value_span(tag) {
            let (start, end) = (tag_start + start, tag_start + end);
            return Some((&html[..start], &html[start..end], &html[end..]));
        }
        offset = tag_end;
    }
}

/// Byte span of the src attribute's value inside one tag.
fn src_value_span(tag: &str) -> Option<(usize, usize)> {
    let bytes = tag.as_bytes();
    let mut from = 0;
    while let Some(i) = find_ascii_ci(&tag[from..], "src") {
        let at = from + i;
        from = at + 3;
        // An attribute name starts after whitespace (not `data-src`).
        if at == 0 || !bytes[at - 1].is_ascii_whitespace() {
            continue;
        }
        let mut j = at + 3;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        return match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = tag[j + 1..]
                    .find(q as char)
                    .map_or(tag.len(), |k| j + 1 + k);
                Some((j + 1, end))
            }
            Some(_) => {
                let end = tag[j..]
                    .find(|c: char| c.is_ascii_whitespace() || c == '/')
                    .map_or(tag.len(), |k| j + k);
                Some((j, end))
            }
            None => None,
        };
    }
    None
}

/// Byte offset of the ASCII `needle` in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (first, needle) = (needle.as_bytes()[0], needle.as_bytes());
    let bytes = haystack.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..]
        .iter()
        .position(|b| b.eq_ignore_ascii_case(&first))
    {
        let at = from + i;
        if bytes.len() - at >= needle.len()
            && bytes[at..at + needle.len()].eq_ignore_ascii_case(needle)
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A file on another host, which the card shows only when online.
fn is_remote(src: &str) -> bool {
    let lower = src.get(..8).unwrap_or(src).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || src.starts_with("//")
}

fn is_absolute(src: &str) -> bool {
    let b = src.as_bytes();
    src.starts_with('/')
        || src.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        || Path::new(src).has_root()
}

/// True when a relative path climbs above its start (`a/../../x`).
fn escapes(relative: &Path) -> bool {
    let mut depth = 0i32;
    for component in relative.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return true,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// Where a packed file's extension comes from.
#[derive(Debug, Clone, Copy)]
enum Naming {
    /// Its path's: a file of the notes, named by their author.
    ByPath,
    /// The kind of picture its bytes are (and none: not packed).
    ByContent,
}

/// `nd-` + 16 hex digits of the content's SHA-256 + the extension: the
/// same picture under two names is stored once, and two pictures with the
/// same file name in different folders never overwrite each other in Anki.
/// The file is hashed as it is read, never held whole; `Err` says why it
/// is left out (larger than `MAX_MEDIA_BYTES`, a link, no picture…).
fn hashed_name(path: &Path, naming: Naming) -> Result<String, String> {
    let too_large = || {
        format!(
            "larger than Anki's limit of {} MiB for a media file",
            MAX_MEDIA_BYTES >> 20
        )
    };
    let unreadable = |err: std::io::Error| format!("unreadable ({err})");
    let file = files::open_regular_no_link(path).map_err(|err| err.to_string())?;
    if file.metadata().map_err(unreadable)?.len() > MAX_MEDIA_BYTES {
        return Err(too_large());
    }
    // Read at most one byte past the limit: a file that grew meanwhile is
    // still refused.
    let mut file = file.take(MAX_MEDIA_BYTES + 1);
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let ext = match naming {
        Naming::ByPath => path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase(),
        Naming::ByContent => image_type::sniff(&head).ok_or("not an image")?.to_string(),
    };
    let mut hasher = Sha256::new();
    hasher.update(&head);
    let read = head.len() as u64 + std::io::copy(&mut file, &mut hasher).map_err(unreadable)?;
    if read > MAX_MEDIA_BYTES {
        return Err(too_large());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(if ext.is_empty() {
        format!("nd-{hex}")
    } else {
        format!("nd-{hex}.{ext}")
    })
}

/// The entities an HTML renderer (pulldown-cmark) writes into attributes.
fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Markdown renderers percent-encode non-ASCII file names (`画像.png` →
/// `%E7%94%BB…`); the file on disk has the decoded name.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The file at `relative` under `root` as it is on disk, where each name
/// of `relative` may be written in another Unicode form (a folder macOS
/// named decomposed, whose name the index holds composed; an image linked
/// composed): the exact name first, then the entry of the folder that
/// composes alike. `None` when there is none.
fn path_in_any_form(root: &Path, relative: &Path) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        let exact = path.join(component);
        let std::path::Component::Normal(name) = component else {
            path = exact;
            continue;
        };
        if exact.symlink_metadata().is_ok() {
            path = exact;
            continue;
        }
        let wanted = crate::japanese::compose(name.to_str()?);
        let on_disk = std::fs::read_dir(&path)
            .ok()?
            .filter_map(|entry| Some(entry.ok()?.file_name()))
            .find(|name| {
                name.to_str()
                    .is_some_and(|name| crate::japanese::compose(name) == wanted)
            })?;
        path.push(on_disk);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Kind;

    fn card(file: &str, back_html: &str) -> Card {
        Card {
            guid: "g".into(),
            deck: "D".into(),
            front: "f".into(),
            back: String::new(),
            back_html: back_html.into(),
            context: vec![].into(),
            tags: vec![].into(),
            kind: Kind::Term,
            file: file.into(),
            line: 7,
            note_type: Default::default(),
        }
    }

    #[test]
    fn finds_src_values() {
        let html = r#"a <img alt="x" src="p.png" /> b <IMG SRC='q.jpg'> <img data-src="no">"#;
        let (before, value, after) = next_img_src(html).unwrap();
        assert_eq!(before, r#"a <img alt="x" src=""#);
        assert_eq!(value, "p.png");
        let (_, value, _) = next_img_src(after).unwrap();
        assert_eq!(value, "q.jpg");
    }

    #[test]
    fn urls_and_paths() {
        assert!(is_absolute("C:/x.png"));
        assert!(is_absolute("/etc/passwd"));
        assert!(escapes(Path::new("a/../../x")));
        assert!(!escapes(Path::new("a/../x")));
        assert_eq!(percent_decode("%E7%94%BB.png"), "画.png");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn local_images_are_renamed_and_escapes_refused() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes");
        fs::create_dir_all(notes.join("sub/img")).unwrap();
        fs::write(notes.join("sub/img/a.PNG"), b"png bytes").unwrap();
        fs::write(dir.path().join("secret.png"), b"secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.png"), notes.join("sub/link.png"))
            .unwrap();

        let mut media = Media::new(&notes);
        let back = media
            .rewrite_back(&card(
            "sub/n.md",
            r#"<img src="img/a.PNG"><img src="./img/a.PNG"><img src="https://x/y.png"><img src="../../secret.png"><img src="/etc/passwd"><img src="gone.png">"#,
        ))
            .into_owned();
        let name = &media.files()[0].name;
        assert!(name.starts_with("nd-") && name.ends_with(".png"), "{name}");
        assert_eq!(media.files().len(), 1);
        assert_eq!(back.matches(name.as_str()).count(), 2);
        assert!(back.contains("https://x/y.png"));
        assert_eq!(media.warnings.len(), 4, "{:?}", media.warnings);
        assert!(media.warnings.iter().all(|w| w.starts_with("sub/n.md:7: ")));
        assert!(media.warnings[0].contains("remote image"));
        assert!(media.warnings[3].contains("not found"));

        #[cfg(unix)]
        {
            let back = media
                .rewrite_back(&card("sub/n.md", r#"<img src="link.png">"#))
                .into_owned();
            assert!(back.contains("link.png"));
            assert!(media.warnings.last().unwrap().contains("refused"));
            assert_eq!(media.files().len(), 1);
        }
    }

    #[test]
    fn sounds_are_packed_embeds_found_from_the_root_and_remote_images_warned_once() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes");
        fs::create_dir_all(notes.join("sub")).unwrap();
        fs::create_dir_all(notes.join("audio")).unwrap();
        fs::write(notes.join("sub/a.mp3"), b"mp3 bytes").unwrap();
        fs::write(notes.join("audio/b.ogg"), b"ogg bytes").unwrap();
        fs::write(dir.path().join("secret.mp3"), b"secret").unwrap();

        let mut media = Media::new(&notes);
        let back = media
            .rewrite_back(&card(
                "sub/n.md",
                r#"[sound:a.mp3] [sound:audio/b.ogg] [sound:../../secret.mp3] <img src="https://x/1.png"><img src="http://x/2.png">"#,
            ))
            .into_owned();
        let names: Vec<&str> = media.files().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names[0].ends_with(".mp3") && names[1].ends_with(".ogg"),
            "{names:?}"
        );
        assert!(
            back.starts_with(&format!(
                "[sound:{}] [sound:{}] [sound:../../secret.mp3]",
                names[0], names[1]
            )),
            "{back}"
        );
        assert_eq!(media.warnings.len(), 2, "{:?}", media.warnings);
        // Images are looked at first, then sounds.
        assert!(
            media.warnings[0].contains("remote image")
                && media.warnings[0].contains("https://x/1.png")
        );
        assert!(
            media.warnings[1].contains("sound refused"),
            "{:?}",
            media.warnings
        );
    }
}
