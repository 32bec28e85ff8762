//! What keeps a page of strangers' notes from acting when it is opened.
//! Two locks, each holding what the other cannot:
//!
//! - each side of a card is cleaned ([`clean`]) to HTML that only shows:
//!   no script, event handler or `javascript:` URL, nothing that reaches
//!   out or redirects (meta, base, link, frames, objects, forms), and its
//!   tags balanced, so that no note can close the card it is in and write
//!   the page around it;
//! - the page carries a Content-Security-Policy ([`content_security_policy`])
//!   that lets its own script run (by hash) and no other, and lets nothing
//!   be loaded from the network: images and sounds are `data:` URLs in the
//!   page.
//!
//! The policy cannot stop a `<meta http-equiv="refresh">` or a note that
//! closes its card; the cleaner keeps a remote image's address, which the
//! page's script shows as a link, and `url()`s in `style` attributes: the
//! policy keeps both off the network (`tests/preview.rs` opens such notes
//! in Chromium: with either lock alone, they fail).

use std::sync::LazyLock;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// Whether the cards' remote images load when the page is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteImages {
    /// Each shows as a link to its address: opening the page goes online
    /// for nothing.
    Links,
    /// Loaded over HTTPS (`preview --remote-images`), as Anki loads them;
    /// plain-HTTP ones stay links.
    Loaded,
}

impl RemoteImages {
    /// What the page's `data-remote-images` tells its script, which shows
    /// the remote images the policy does not load as links.
    pub fn script_name(self) -> &'static str {
        match self {
            RemoteImages::Links => "links",
            RemoteImages::Loaded => "https",
        }
    }
}

/// The cleaner of card sides: ammonia's safe set of tags and attributes,
/// and what the note types and the notes' Markdown use besides.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut cleaner = ammonia::Builder::default();
    cleaner
        // `rb`: the furigana filter's base; `input`: the type-in box.
        .add_tags(["rb", "input"])
        // Classes carry the note types' style and the highlighted code's,
        // `style` attributes the highlighter's colours (CSS runs nothing,
        // and the policy keeps its `url()`s off the network).
        .add_generic_attributes(["class", "style"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("input", ["type", "aria-label", "disabled"])
        // The page makes each `[sound:…]` of a card a player once cleaned:
        // inside an attribute, that markup would cut the tag in two.
        .attribute_filter(|_, _, value| (!value.contains("[sound:")).then_some(value.into()));
    cleaner
});

/// `html` (one side of a card, rendered) as it shows, without what would
/// run, load or redirect, its tags balanced.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// The policy of a page whose one script is `script` (its text between
/// `<script>` and `</script>`).
pub fn content_security_policy(script: &str, remote_images: RemoteImages) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
    let img_src = match remote_images {
        RemoteImages::Links => "data:",
        RemoteImages::Loaded => "data: https:",
    };
    // Inline styles: the page's own `<style>` and the cards' `style`
    // attributes (the cleaner has removed the notes' `<style>` elements).
    // `form-action` and `base-uri` are not covered by `default-src`.
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         img-src {img_src}; media-src data:; connect-src 'none'; \
         form-action 'none'; base-uri 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_keeps_what_shows_and_drops_what_acts() {
        let shown = "<div class=\"nd\" lang=\"ja\"><ruby><rb>漢字</rb><rt>かんじ</rt></ruby>\
                     <span style=\"color:#cf222e\">fn</span><details open=\"\"><summary>s</summary></details>\
                     <img src=\"nd-1.png\" alt=\"図\"><input class=\"pv-typeans\" type=\"text\" disabled=\"\"></div>";
        assert_eq!(clean(shown), shown);
        let cleaned = clean(
            "<p onclick=\"x()\">a<script>x()</script><a href=\"javascript:x()\">b</a>\
             <meta http-equiv=\"refresh\" content=\"0;url=https://e.invalid\"><base href=\"https://e.invalid/\">\
             <iframe src=\"https://e.invalid\"></iframe><style>p{}</style></p>",
        );
        assert_eq!(cleaned, "<p>a<a rel=\"noopener noreferrer\">b</a></p>");
        assert_eq!(clean("a</div></main><div>b"), "a<div>b</div>", "balanced");
        assert_eq!(
            clean("<img alt=\"[sound:nd-1.mp3]\" src=\"nd-2.png\">"),
            "<img src=\"nd-2.png\">"
        );
    }

    #[test]
    fn the_policy_names_the_script_by_its_hash() {
        // printf 'x()' | openssl dgst -sha256 -binary | base64
        let policy = content_security_policy("x()", RemoteImages::Links);
        assert!(policy.contains("script-src 'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='"));
        assert!(policy.contains("img-src data:;"));
        let loaded = content_security_policy("x()", RemoteImages::Loaded);
        assert!(loaded.contains("img-src data: https:;"));
    }
}
