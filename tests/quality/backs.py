#!/usr/bin/env python3
"""Whether the backs of extracted cards are ones a learner can study.

usage: backs.py CARDS.jsonl... [--max-share 0.05]

Each CARDS.jsonl holds the cards of one set of notes, as `notedeck extract
--format jsonl` prints them. Two figures, over all the sets together:

- repeats: the cards whose back holds another card's whole back (a topic
  that repeats the definitions of the cards nested under it, instead of
  listing them by their fronts). Backs are compared in plain text without
  white space; a back shorter than MIN_REPEATED characters (`DNS サービス`)
  says too little for its recurrence to be a repeat.
- long: the cards whose back runs over LONG_BACK characters, past what a
  learner recalls from one card.

Prints each set's figures and the total; exits 1 when either share of the
total is over the bar (5% unless --max-share says otherwise).
"""
import json
import sys

MIN_REPEATED = 20
LONG_BACK = 600


def squeezed(text):
    return "".join(ch for ch in text if not ch.isspace())


def figures(path):
    """(cards, repeating, long) of one set, and the fronts of the cards over a bar."""
    with open(path, encoding="utf-8") as f:
        cards = [json.loads(line) for line in f if line.strip()]
    backs = [squeezed(c.get("back", "")) for c in cards]
    # Distinct backs long enough to count, each with the cards that have it.
    long_enough = {}
    for i, back in enumerate(backs):
        if len(back) >= MIN_REPEATED:
            long_enough.setdefault(back, []).append(i)
    repeating, long = [], []
    for i, (card, back) in enumerate(zip(cards, backs)):
        if any(
            other != back and other in back or other == back and len(owners) > 1
            for other, owners in long_enough.items()
            if len(other) <= len(back)
        ):
            repeating.append(card["front"])
        if len(card.get("back", "")) > LONG_BACK:
            long.append(card["front"])
    return len(cards), repeating, long


def main():
    args = sys.argv[1:]
    bar = 0.05
    if "--max-share" in args:
        at = args.index("--max-share")
        bar = float(args[at + 1])
        del args[at : at + 2]
    if not args:
        sys.exit(__doc__)
    total = repeats = longs = 0
    for path in args:
        n, repeating, long = figures(path)
        total, repeats, longs = total + n, repeats + len(repeating), longs + len(long)
        print(f"{path}: {n} cards, {len(repeating)} repeat another's back, {len(long)} over {LONG_BACK} characters")
        for front in repeating:
            print(f"  repeats: {front[:70]}")
        for front in long:
            print(f"  long:    {front[:70]}")
    share = lambda k: k / total if total else 0.0
    print(
        f"total: {total} cards, repeats {repeats} ({share(repeats):.1%}), "
        f"over {LONG_BACK} characters {longs} ({share(longs):.1%}), bar {bar:.0%}"
    )
    sys.exit(0 if share(repeats) <= bar and share(longs) <= bar else 1)


if __name__ == "__main__":
    main()
