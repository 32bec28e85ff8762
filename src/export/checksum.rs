//! The checksum of what a build writes into OUT and a later build takes
//! over from there (the kept collection's pieces, the package's deflated
//! pieces, the CSV's runs).
//!
//! OUT is not trusted, so the checksum is a cryptographic hash: a file
//! made to look like the recorded one must not pass. BLAKE3 rather than
//! SHA-256 because a one-note rebuild at 100,000 cards checks about 300 MB
//! this way, and that was two fifths of its time with SHA-256.

/// The checksum of `bytes`, in hex (as the index records it).
pub fn of(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The checksum of bytes that come in parts.
#[derive(Default)]
pub struct Running(blake3::Hasher);

impl Running {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The checksum of all the bytes so far, in hex.
    pub fn finish(&self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}
