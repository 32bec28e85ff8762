//! Card identity: the GUID a card gets when it first appears, decks and
//! tags. The index keeps each GUID through later edits (`pairing`).

pub mod pairing;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use sha2::{Digest, Sha256};

use crate::japanese::fold_in_pieces;
use crate::japanese::furigana;

/// Where a card stands: its deck and its context (the headings and card
/// fronts above it), hashed part by part as the walk enters them, so that
/// each part is folded once however many cards lie under it.
#[derive(Clone)]
pub struct Place {
    hasher: Sha256,
}

/// What is hashed before a part the walk enters, and before a front (and
/// before its ordinal).
const LEVEL: u8 = 0x1e;
const FRONT: u8 = 0x1f;

impl Place {
    pub fn deck(deck: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(deck.as_bytes());
        Place { hasher }
    }

    /// The place one level down, under a heading or a card front.
    pub fn enter(&self, part: &str) -> Self {
        let mut hasher = self.hasher_then(LEVEL);
        fold_in_pieces(part, |piece| hasher.update(piece));
        Place { hasher }
    }

    /// `enter`, the part folded already (`japanese::folded`).
    pub fn enter_folded(&self, folded: &str) -> Self {
        let mut hasher = self.hasher_then(LEVEL);
        hasher.update(folded);
        Place { hasher }
    }

    /// The identity of a card here, from its place and its folded front,
    /// never from its back; `ordinal` tells apart cards that would
    /// otherwise share one (0 for the first). A number, cheap to keep and
    /// compare while the cards of a note are told apart, written out as
    /// the card's GUID by `CardId::guid`.
    pub fn id(&self, front: &str, ordinal: usize) -> CardId {
        let mut hasher = self.hasher_then(FRONT);
        fold_in_pieces(front, |piece| hasher.update(piece));
        identity(hasher, ordinal)
    }

    /// `id`, the front folded already (`japanese::folded`).
    pub fn id_folded(&self, folded: &str, ordinal: usize) -> CardId {
        let mut hasher = self.hasher_then(FRONT);
        hasher.update(folded);
        identity(hasher, ordinal)
    }

    /// The hasher of this place, `mark` hashed after it.
    fn hasher_then(&self, mark: u8) -> Sha256 {
        let mut hasher = self.hasher.clone();
        hasher.update([mark]);
        hasher
    }
}

/// The identity of the card whose place and front `hasher` has hashed.
fn identity(mut hasher: Sha256, ordinal: usize) -> CardId {
    if ordinal > 0 {
        hasher.update([FRONT]);
        hasher.update(ordinal.to_le_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    CardId(u64::from_be_bytes(bytes))
}

/// A card's identity before it is written as its GUID (one for one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CardId(u64);

/// A map keyed by card identities, which are digests already: their bits
/// are their hash, where the default hasher (SipHash) would hash them again
/// for every card.
pub type CardIdMap<V> = HashMap<CardId, V, BuildHasherDefault<CardIdHasher>>;

/// The hasher of `CardIdMap`: a `CardId` hashes as its own bits.
#[derive(Default)]
pub struct CardIdHasher(u64);

impl Hasher for CardIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl CardId {
    pub fn guid(self) -> String {
        base91(self.0)
    }
}

/// Another GUID for a card whose own is held by a card that keeps it from an
/// earlier life (it was renamed, and a card now takes its old place).
/// `attempt` counts up from 1 until a free one is found.
pub fn alternative_guid(guid: &str, attempt: u32) -> String {
    let digest = Sha256::new()
        .chain_update(guid.as_bytes())
        .chain_update([0x1f])
        .chain_update(attempt.to_le_bytes())
        .finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    base91(u64::from_be_bytes(bytes))
}

/// Anki's own GUID alphabet: base 91 without quotes, backslash or space, so
/// a GUID is safe in CSV, TSV and HTML.
fn base91(mut n: u64) -> String {
    const TABLE: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~";
    // 91^10 > 2^64: ten digits hold any u64, written from the last.
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = TABLE[(n % TABLE.len() as u64) as usize];
        n /= TABLE.len() as u64;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&digits[start..])
        .expect("ASCII")
        .to_string()
}

/// The deck of a note: its folders under the notes root, then its `#`
/// title (the file name when it has none; its furigana as read), joined
/// with `::`.
pub fn deck(file: &str, title: Option<&str>) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    let name = parts.pop().unwrap_or(file);
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let title = title
        .map(furigana::base_text)
        .filter(|t| !t.trim().is_empty());
    parts.push(title.as_deref().map_or(stem, str::trim));
    parts
        .iter()
        .map(|p| p.replace("::", ":"))
        .collect::<Vec<_>>()
        .join("::")
}

/// A heading as an Anki tag: its furigana as read, no spaces, no trailing
/// full stop or colon.
pub fn tag(heading: &str) -> Option<String> {
    let tag = furigana::base_text(heading)
        .split(crate::japanese::script::is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let tag = tag
        .trim_end_matches(['.', ':', '：', '。'])
        .replace('"', "");
    (!tag.is_empty()).then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guid(deck: &str, context: &[&str], front: &str, ordinal: usize) -> String {
        context
            .iter()
            .fold(Place::deck(deck), |place, part| place.enter(part))
            .id(front, ordinal)
            .guid()
    }

    #[test]
    fn guids_are_stable_and_ignore_width_and_case_of_the_front() {
        let a = guid("CloudLicence", &["41."], "ＤＬＱ", 0);
        assert_eq!(a, guid("CloudLicence", &["41."], "dlq", 0));
        assert_ne!(a, guid("CloudLicence", &["41."], "dlq", 1));
        assert_ne!(a, guid("CloudLicence", &["42."], "dlq", 0));
        assert_ne!(a, guid("CloudLicence", &["41.", "親"], "dlq", 0));
        assert_ne!(a, guid("Other", &["41."], "dlq", 0));
        assert!(a
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\'' && c != '\\'));
    }

    #[test]
    fn a_part_or_front_given_folded_has_the_identity_it_has_folded_here() {
        let deck = Place::deck("CloudLicence");
        for text in ["ＤＬＱ", "AWS Lambda", "ｼｽﾃﾑ 設計", "監視"] {
            let folded = crate::japanese::folded(text);
            let (here, given) = (deck.enter(text), deck.enter_folded(&folded));
            assert_eq!(here.id("x", 0), given.id("x", 0));
            assert_eq!(deck.id(text, 2), deck.id_folded(&folded, 2));
        }
    }

    #[test]
    fn guids_never_change_between_versions() {
        // A changed GUID would duplicate every note of every user in Anki.
        assert_eq!(guid("CloudLicence", &["45."], "cfn-signal", 0), "e-zFy6^^.");
    }

    #[test]
    fn decks_from_folders_and_titles() {
        assert_eq!(
            deck("CloudLicence.md", Some("CloudLicence")),
            "CloudLicence"
        );
        assert_eq!(
            deck("aws/DOP/41_50.md", Some("CloudLicence")),
            "aws::DOP::CloudLicence"
        );
        assert_eq!(deck("aws/notes.md", None), "aws::notes");
    }

    #[test]
    fn tags_have_no_spaces() {
        assert_eq!(tag("41.").as_deref(), Some("41"));
        assert_eq!(tag("S3 の構成要素").as_deref(), Some("S3_の構成要素"));
        assert_eq!(tag(" . "), None);
    }
}
