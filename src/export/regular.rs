//! Opening a file whose bytes go into a package (and into Anki): only a
//! regular file, and never through a symbolic link. A notes folder or an
//! output folder cloned from a stranger may hold a link to `~/.ssh/id_rsa`
//! under an image's name; the package may be shared, and `sync` copies its
//! media into Anki's media folder.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading when its last part is no link and it is a
/// regular file. Callers resolve the folders above it first (`Media`
/// checks that a local image, its links resolved, is inside the notes
/// folder; the remote cache is a folder of its own). The check is made on
/// the file opened, so a link put in its place after a look is not followed.
pub fn open(path: &Path) -> io::Result<File> {
    let file = open_no_follow(path).map_err(|err| {
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

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        // No wait on a FIFO under an image's name: refused just after.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(unix)]
fn is_link_refusal(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ELOOP)
}

/// Without `O_NOFOLLOW`: a look at the link itself, then the open.
#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::other("a symbolic link"));
    }
    File::open(path)
}

#[cfg(not(unix))]
fn is_link_refusal(_: &io::Error) -> bool {
    false
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
        assert!(open(&file).is_ok());
        assert_eq!(open(&link).unwrap_err().to_string(), "a symbolic link");
        assert_eq!(
            open(dir.path()).unwrap_err().to_string(),
            "not a regular file"
        );
    }
}
