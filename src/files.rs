//! Opening what a notes folder or an output folder holds, none of which
//! notedeck trusts (either may be cloned from a stranger): only regular
//! files, opened without waiting (a FIFO would block until a writer
//! comes), read up to a limit, and, for what goes into a package and into
//! Anki, never through a link (a link to `~/.ssh/id_rsa` under an image's
//! name).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, a device…: what it is.
    NotAFile(&'static str),
    /// Larger than the limit, in bytes.
    TooLarge(u64),
    Io(io::Error),
}

/// The bytes of the file at `path`, a link followed: only a regular file
/// of at most `limit` bytes is read. What the path names is checked before
/// it is opened (opening a device may do something), and the opened handle
/// after (the file may have been swapped in between); at most `limit` bytes
/// are read of it, should it grow while it is read.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    check_regular(&std::fs::metadata(path).map_err(ReadError::Io)?, limit)?;
    let file = open_without_blocking(path, Links::Follow).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    check_regular(&metadata, limit)?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

fn check_regular(metadata: &std::fs::Metadata, limit: u64) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotAFile(what_it_is(metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(())
}

/// Opens `path` for reading when its last part is no link and it is a
/// regular file. Callers resolve the folders above it first (`Media`
/// checks that a local image, its links resolved, is inside the notes
/// folder; the remote cache is a folder of its own). The check is made on
/// the file opened, so a link put in its place after a look is not followed.
pub fn open_regular_no_link(path: &Path) -> io::Result<File> {
    let file = open_without_blocking(path, Links::Refuse).map_err(|err| {
        if is_link_refusal(&err) {
            io::Error::other("a symbolic link")
        } else {
            err
        }
    })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Whether opening follows a link in the path's last part.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    Follow,
    Refuse,
}

#[cfg(unix)]
fn open_without_blocking(path: &Path, links: Links) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let no_follow = if links == Links::Refuse {
        libc::O_NOFOLLOW
    } else {
        0
    };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | no_follow)
        .open(path)
}

#[cfg(unix)]
fn is_link_refusal(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ELOOP)
}

/// Elsewhere there are no FIFOs to block on, and no `O_NOFOLLOW`: a look
/// at the link itself, then the open.
#[cfg(not(unix))]
fn open_without_blocking(path: &Path, links: Links) -> io::Result<File> {
    if links == Links::Refuse && std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::other("a symbolic link"));
    }
    File::open(path)
}

#[cfg(not(unix))]
fn is_link_refusal(_: &io::Error) -> bool {
    false
}

/// What a file that is no regular file is, for a message.
pub fn what_it_is(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "neither a file nor a folder"
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_open_and_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (file, link) = (dir.path().join("a.png"), dir.path().join("b.png"));
        std::fs::write(&file, b"png").unwrap();
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(open_regular_no_link(&file).is_ok());
        assert_eq!(
            open_regular_no_link(&link).unwrap_err().to_string(),
            "a symbolic link"
        );
        assert_eq!(
            open_regular_no_link(dir.path()).unwrap_err().to_string(),
            "not a regular file"
        );
        assert_eq!(read_regular_file(&link, 3).unwrap(), b"png", "followed");
        assert!(matches!(
            read_regular_file(&file, 2),
            Err(ReadError::TooLarge(2))
        ));
    }
}
