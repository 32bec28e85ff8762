// Filters the cards by search words, deck and tag, and switches night mode
// as Anki does (the `night_mode` class on the body, `nightMode` on each
// card). The starting state comes from the URL fragment
// (#q=…&deck=…&tag=…&night=1), which follows every change. Remote images
// the page does not load show as links.
(function () {
  "use strict";
  var search = document.getElementById("pv-search");
  var deck = document.getElementById("pv-deck");
  var tag = document.getElementById("pv-tag");
  var night = document.getElementById("pv-night");
  var count = document.getElementById("pv-count");
  // The page's cards alone: a note's element of that class is inside one.
  var cards = Array.prototype.slice.call(document.querySelectorAll("#pv-cards > .pv-card"));
  var fold = function (text) { return text.normalize("NFKC").toLowerCase(); };
  // Each card's text once, folded as the search words are.
  cards.forEach(function (card) { card.foldedText = fold(card.dataset.text); });

  function readFragment() {
    var state = new URLSearchParams(location.hash.slice(1));
    search.value = state.get("q") || "";
    deck.value = state.get("deck") || "";
    tag.value = state.get("tag") || "";
    night.checked = state.has("night")
      ? state.get("night") === "1"
      : window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function writeFragment() {
    var state = new URLSearchParams();
    if (search.value) state.set("q", search.value);
    if (deck.value) state.set("deck", deck.value);
    if (tag.value) state.set("tag", tag.value);
    state.set("night", night.checked ? "1" : "0");
    history.replaceState(null, "", "#" + state.toString());
  }

  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var inDeck = !deck.value || card.dataset.deck === deck.value ||
        card.dataset.deck.indexOf(deck.value + "::") === 0;
      var tagged = !tag.value || card.dataset.tags.split(" ").indexOf(tag.value) >= 0;
      var found = words.every(function (w) { return card.foldedText.indexOf(w) >= 0; });
      card.hidden = !(inDeck && tagged && found);
      if (!card.hidden) shown += 1;
    });
    var total = count.dataset.total;
    count.textContent = shown === cards.length ? total + " cards" : shown + " of " + total + " cards";
    count.dataset.shown = String(shown);
    document.body.classList.toggle("night_mode", night.checked);
    document.querySelectorAll(".card").forEach(function (card) {
      card.classList.toggle("nightMode", night.checked);
    });
  }

  // The page's policy loads no remote image unless it was written with
  // --remote-images (then HTTPS ones): each other shows as a link to its
  // address.
  var notLoaded = document.body.dataset.remoteImages === "https" ? /^http:/i : /^https?:/i;
  document.querySelectorAll("#pv-cards img").forEach(function (image) {
    var address = image.getAttribute("src") || "";
    if (!notLoaded.test(address)) return;
    var link = document.createElement("a");
    link.href = address;
    link.rel = "noreferrer";
    link.textContent = address;
    image.replaceWith(link);
  });

  [search, deck, tag, night].forEach(function (control) {
    control.addEventListener("input", function () { apply(); writeFragment(); });
  });
  window.addEventListener("hashchange", function () { readFragment(); apply(); });
  readFragment();
  apply();
})();
