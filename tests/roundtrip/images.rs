//! Images in a card's back: a local one travels in the package into the
//! collection's media folder; nothing outside the notes folder ever does.

use std::fs;
use std::path::Path;

use crate::common::*;

const NOTE: &str = "# 監視\n\
    \n\
    ## 41.\n\
    \n\
    - CloudWatch: 監視の図 ![図](img/図.png) と ![r](https://example.com/r.png) リモート\n\
    - 秘密: 外 ![s](../../secret.png) と ![n](img/none.png) なし\n";

/// 5. `![図](img/図.png)` next to a note in a subfolder lands in the media
///    folder and shows on the card; `../../secret.png` and a missing image
///    are warnings naming `file:line`, their card is still exported, and the
///    secret is neither in the package nor in the media folder; a remote
///    image stays a link, with a warning.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn local_image_reaches_the_media_folder_and_the_card() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(notes.join("aws/img")).unwrap();
    fs::write(notes.join("aws/img/図.png"), PNG).unwrap();
    fs::write(notes.join("aws/監視.md"), NOTE).unwrap();
    // Where `../../secret.png` from aws/監視.md points: beside the notes.
    fs::write(tmp.path().join("secret.png"), b"not for sharing").unwrap();

    let cards = extracted(&notes);
    let shown = cards.iter().find(|c| c.front == "CloudWatch").unwrap();
    let refused = cards.iter().find(|c| c.front == "秘密").unwrap();
    assert!(shown.back_html.contains("img/%E5%9B%B3.png"), "{shown:?}");
    assert!(
        refused.back_html.contains("../../secret.png"),
        "{refused:?}"
    );
    assert!(refused.back_html.contains("img/none.png"), "{refused:?}");

    let out = tmp.path().join("out");
    let run = build(&notes, &out, "apkg");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    let at = format!("aws/監視.md:{}: ", refused.line);
    assert_eq!(warnings.len(), 3, "{}", run.stderr);
    // The remote image is named once: it shows only when online.
    assert!(warnings
        .iter()
        .any(|w| w.contains("remote image") && w.contains("https://example.com/r.png")));
    assert!(warnings
        .iter()
        .any(|w| w.contains(&at) && w.contains("refused") && w.contains("../../secret.png")));
    assert!(warnings
        .iter()
        .any(|w| w.contains(&at) && w.contains("not found") && w.contains("img/none.png")));
    assert!(run.stdout.contains("2 new"), "{}", run.stdout);

    let apkg = out.join("notes.apkg");
    let schema = anki.run(&[&"schema", &apkg]);
    let name = schema["media"]["0"].as_str().unwrap().to_string();
    assert!(name.ends_with(".png"), "{name}");
    assert_eq!(
        schema["media"].as_object().unwrap().len(),
        1,
        "one image in the package: {schema}"
    );
    assert_eq!(
        schema["entries"],
        serde_json::json!(["collection.anki2", "media", "0"])
    );

    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, std::slice::from_ref(&apkg));
    assert_eq!(total(&logs, "new"), 2, "both cards exported: {logs:?}");
    let rendered = anki.run(&[&"render", &col, &shown.guid]);
    let media_dir = Path::new(rendered["media_dir"].as_str().unwrap());
    let in_media: Vec<String> = fs::read_dir(media_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        in_media,
        vec![name.clone()],
        "only the image from the notes"
    );
    assert_eq!(fs::read(media_dir.join(&name)).unwrap(), PNG);
    let answer = rendered["answer"].as_str().unwrap();
    assert!(answer.contains(&format!("src=\"{name}\"")), "{answer}");
    assert!(
        answer.contains("src=\"https://example.com/r.png\""),
        "{answer}"
    );
    assert!(rendered["question"]
        .as_str()
        .unwrap()
        .contains("lang=\"ja\""));
    let secret = anki.run(&[&"render", &col, &refused.guid]);
    assert!(secret["answer"]
        .as_str()
        .unwrap()
        .contains("../../secret.png"));
}
