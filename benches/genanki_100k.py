"""genanki writing the benchmark's cards (benches/export.rs runs this).

    python genanki_100k.py CARDS.jsonl OUT.apkg

Loads the cards (not timed), then times building the genanki notes and
writing the package, the same work notedeck's `write_deck` does. Prints
`seconds peak_kib file_bytes` like the Rust side (peak from getrusage, KiB on Linux).
"""

import json
import os
import resource
import sys
import time

import genanki

CONTEXT_SEPARATOR = " › "


def escape(text):
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def main(cards_path, out_path):
    with open(cards_path, encoding="utf-8") as f:
        cards = [json.loads(line) for line in f]

    start = time.perf_counter()
    model = genanki.Model(
        1607392319,
        "notedeck",
        fields=[{"name": n} for n in ["Front", "Back", "Context", "Source"]],
        templates=[
            {
                "name": "Card 1",
                "qfmt": '<div lang="ja"><div>{{Context}}</div>{{Front}}</div>',
                "afmt": '{{FrontSide}}<hr id="answer"><div lang="ja">{{Back}}</div>',
            }
        ],
    )
    deck = genanki.Deck(2059400110, cards[0]["card"]["deck"] if cards else "bench")
    for entry in cards:
        card = entry["card"]
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    escape(card["front"]),
                    card["back_html"],
                    escape(CONTEXT_SEPARATOR.join(card["context"])),
                    escape(f'{card["file"]}:{card["line"]}'),
                ],
                tags=card["tags"],
                guid=card["guid"],
            )
        )
    genanki.Package(deck).write_to_file(out_path)
    seconds = time.perf_counter() - start

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{seconds} {peak_kib} {os.path.getsize(out_path)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
