//! A node's head: its first paragraph as plain text, mapped back to the
//! source, with where separators may be found.

use std::ops::Range;

use super::text::HeadText;
use crate::japanese::{phrase, script::is_space, separator};

/// The first paragraph of a node, as plain text mapped to its source.
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// Visible text: link text kept, image alt text and markup left out,
    /// line breaks as `\n`.
    pub text: HeadText,
    pub(super) spans: Spans,
    /// Text ranges set in bold.
    pub strong: Vec<Range<usize>>,
    /// Text ranges set in italics (`_end-point authentication_`).
    pub emphasis: Vec<Range<usize>>,
    /// The head's source range.
    pub source: Range<usize>,
    /// Images and links seen in the head.
    pub media: usize,
    /// Images seen in the head (also counted in `media`).
    pub images: usize,
    /// Where inline markup opens (bold, links, images): its text position
    /// and source offset, so that a back cut there keeps the markup whole.
    pub(super) marks: Vec<(usize, usize)>,
    /// The separator, found once.
    separator: std::cell::OnceCell<Option<Range<usize>>>,
    /// `is_only_media_or_code`, found once: the shaping of the tree and
    /// the extractor ask it of every head, some several times.
    only_media_or_code: std::cell::OnceCell<bool>,
    /// `masked` and `separable`, made once when they differ from `text`:
    /// a head of many lines asks for them for each.
    masked_text: std::cell::OnceCell<Option<String>>,
    separable_text: std::cell::OnceCell<Option<String>>,
    /// Whether `source` has been set.
    covered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) text: Range<usize>,
    pub(super) source: Range<usize>,
    /// Inline code, link text or HTML: where no separator may be found.
    pub(super) opaque: bool,
}

/// The spans of a head, in text order, read as a slice. Most heads are one
/// span (a line of plain text): it is kept inline, so that it costs no
/// allocation of its own, as a note has hundreds of heads.
#[derive(Debug, Clone, Default)]
pub(super) enum Spans {
    #[default]
    None,
    One(Span),
    Many(Vec<Span>),
}

impl Spans {
    pub(super) fn push(&mut self, span: Span) {
        *self = match std::mem::take(self) {
            Spans::None => Spans::One(span),
            Spans::One(first) => {
                // The room a `Vec` of spans takes at its first push.
                let mut many = Vec::with_capacity(4);
                many.extend([first, span]);
                Spans::Many(many)
            }
            Spans::Many(mut many) => {
                many.push(span);
                Spans::Many(many)
            }
        };
    }
}

impl std::ops::Deref for Spans {
    type Target = [Span];

    fn deref(&self) -> &[Span] {
        match self {
            Spans::None => &[],
            Spans::One(span) => std::slice::from_ref(span),
            Spans::Many(many) => many,
        }
    }
}

impl Head {
    /// Widens the head's source to take in `range`: images and inline HTML
    /// have no text of their own, yet they belong to the head (and to the
    /// definition that ends with them).
    pub(super) fn cover(&mut self, range: &Range<usize>) {
        if self.covered {
            self.source.start = self.source.start.min(range.start);
            self.source.end = self.source.end.max(range.end);
        } else {
            self.source = range.clone();
            self.covered = true;
        }
    }

    /// The text with opaque spans blanked out, for finding separators.
    pub fn masked(&self) -> std::borrow::Cow<'_, str> {
        let masked = self.masked_text.get_or_init(|| self.mask_opaque());
        masked.as_deref().unwrap_or(&self.text).into()
    }

    fn mask_opaque(&self) -> Option<String> {
        let mut opaque = self
            .spans
            .iter()
            .filter(|s| s.opaque && !s.text.is_empty())
            .peekable();
        opaque.peek()?;
        let mut masked = self.text.to_string();
        for span in opaque {
            // Upper case: a code span before a colon is a term
            // (`` `マルチキャストアドレス`:FF00::/8 ``), not a lower-case
            // word the colon is glued inside.
            let blank = "X".repeat(span.text.len());
            masked.replace_range(span.text.clone(), &blank);
        }
        Some(masked)
    }

    /// The separator between term and definition, in text coordinates.
    pub fn separator(&self) -> Option<Range<usize>> {
        self.separator
            .get_or_init(|| self.separator_from(0))
            .clone()
    }

    /// The first separator at or after text position `from`. Bold text is a
    /// unit: a dash or arrow inside it joins words (`**S3標準 - IA**`).
    pub fn separator_from(&self, from: usize) -> Option<Range<usize>> {
        let masked = self.separable();
        separator::find(&masked[from..]).map(|r| r.start + from..r.end + from)
    }

    /// The text where separators are looked for: `masked`, with the dashes
    /// and arrows inside bold text blanked out too.
    pub fn separable(&self) -> std::borrow::Cow<'_, str> {
        let separable = self
            .separable_text
            .get_or_init(|| match self.mask_bold_marks() {
                std::borrow::Cow::Owned(text) => Some(text),
                std::borrow::Cow::Borrowed(_) => None,
            });
        match separable {
            Some(text) => text.as_str().into(),
            None => self.masked(),
        }
    }

    fn mask_bold_marks(&self) -> std::borrow::Cow<'_, str> {
        let mut masked = self.masked();
        for bold in &self.strong {
            if !masked[bold.clone()].contains(separator::is_weak_mark) {
                continue;
            }
            // Same byte length, so every text position stays where it was.
            let mut unit = String::with_capacity(bold.len());
            for c in masked[bold.clone()].chars() {
                if separator::is_weak_mark(c) {
                    unit.push_str(&"xxxx"[..c.len_utf8()]);
                } else {
                    unit.push(c);
                }
            }
            masked.to_mut().replace_range(bold.clone(), &unit);
        }
        masked
    }

    /// Whether the head ends with a separator, or with a separator and only
    /// links after it: `Amazon GuardDuty:`, `…の意味: [DevOps (Atlassian社)](…)`
    /// (a source named, the definition still to come).
    pub fn ends_with_separator(&self) -> bool {
        self.separator().is_some_and(|sep| {
            // After a label, a link is a reference, not a definition to come.
            let sourced = self.media > 0 && !phrase::is_label(&self.text[..sep.start]);
            self.spans.iter().filter(|s| s.text.end > sep.end).all(|s| {
                let rest = &self.text[s.text.start.max(sep.end)..s.text.end];
                rest.trim_matches(is_space).is_empty() || (s.opaque && sourced)
            })
        })
    }

    /// The source offset of a position in the text.
    pub fn source_at(&self, text_pos: usize) -> usize {
        // The spans follow each other: the first that ends past the
        // position is the one that may hold it (a head of many lines asks
        // for each).
        let first_past = self.spans.partition_point(|s| s.text.end <= text_pos);
        let Some(span) = self
            .spans
            .get(first_past)
            .filter(|s| s.text.contains(&text_pos))
        else {
            return self.source.end;
        };
        if span.text.len() == span.source.len() {
            span.source.start + (text_pos - span.text.start)
        } else {
            span.source.start
        }
    }

    /// The source offset where the rest of the head from text position
    /// `text_pos` begins: markup that opens between the text before it and
    /// `text_pos` (`**太字**`, `[AWS](…)`, an image) is kept whole.
    pub fn source_from(&self, text_pos: usize) -> usize {
        let at = self.source_at(text_pos);
        let before = self.text[..text_pos.min(self.text.len())]
            .trim_end_matches(is_space)
            .len();
        // Marks are kept in text order.
        let from = self.marks.partition_point(|&(text, _)| text < before);
        self.marks[from..]
            .iter()
            .take_while(|&&(text, _)| text <= text_pos)
            .filter(|&&(_, source)| source < at)
            .map(|&(_, source)| source)
            .min()
            .unwrap_or(at)
    }

    /// Only links or an address written out (`https://docs.aws.amazon.com/…`,
    /// which CommonMark leaves as text): a reference to read elsewhere.
    pub fn is_only_references(&self) -> bool {
        let text = self.text.trim_matches(is_space);
        let address = ["https://", "http://"]
            .iter()
            .any(|scheme| text.starts_with(scheme))
            && !text.contains(char::is_whitespace);
        address || self.is_only_links()
    }

    /// A label, then only links: `参考: [DevOpsとはなにか](…)`, a
    /// reference line.
    pub fn is_labelled_links(&self) -> bool {
        let Some(sep) = self.separator() else {
            return false;
        };
        self.media > 0
            && self.images == 0
            && phrase::is_label(&self.text[..sep.start])
            && self.spans.iter().filter(|s| s.text.end > sep.end).all(|s| {
                s.opaque
                    || self.text[s.text.start.max(sep.end)..s.text.end]
                        .trim_matches(is_space)
                        .is_empty()
            })
    }

    /// Only links (one at least), no image: `[Validated Learning](…)`.
    pub fn is_only_links(&self) -> bool {
        self.is_only_media_or_code()
            && self.images == 0
            && self.media > 0
            && !self.text.trim_matches(is_space).is_empty()
    }

    /// Nothing but images, links, code or JSON: not a card.
    pub fn is_only_media_or_code(&self) -> bool {
        *self
            .only_media_or_code
            .get_or_init(|| self.find_only_media_or_code())
    }

    fn find_only_media_or_code(&self) -> bool {
        // The first and last visible characters of the plain spans, as if
        // they were joined (without joining them: this runs for every node).
        let text = self.text.as_str();
        let plain = || {
            self.spans
                .iter()
                .filter(|s| !s.opaque)
                .map(|s| &text[s.text.clone()])
        };
        let first = plain().find_map(|t| t.trim_start_matches(is_space).chars().next());
        let last = || {
            plain()
                .rev()
                .find_map(|t| t.trim_end_matches(is_space).chars().next_back())
        };
        let code_only = !self.spans.is_empty() && self.spans.iter().all(|s| s.opaque);
        let json = first == Some('{') && last() == Some('}');
        (first.is_none() && (self.media > 0 || code_only)) || json
    }

    /// The head's text as written in `buffer`, now complete.
    pub(super) fn seal(&mut self, buffer: &std::rc::Rc<String>) {
        self.text.seal(buffer);
    }

    /// Appends `text`, from `source`, to the head, its text written in
    /// `buffer` (`HeadText`).
    pub(super) fn push(
        &mut self,
        buffer: &mut String,
        text: &str,
        source: Range<usize>,
        opaque: bool,
    ) {
        let start = self.text.len();
        self.text.push_str(buffer, text);
        self.cover(&source);
        self.spans.push(Span {
            text: start..self.text.len(),
            source,
            opaque,
        });
    }
}
