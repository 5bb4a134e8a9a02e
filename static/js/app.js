// Small progressive enhancements shared by every page. Pages work without it.
(function () {
  "use strict";

  // Escape closes an open header menu and returns focus to its toggle.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // Back or Forward that changes only the address, on a page that did not
  // push it: the page reloaded at a side panel's address (board.js pushes
  // those) shares its history entries with the board it replaced. Load the
  // page the address names. The board handles its own entries.
  var address = location.pathname + location.search;
  window.addEventListener("popstate", function () {
    if (document.getElementById("board")) return;
    if (location.pathname + location.search !== address) location.reload();
  });

  // A click outside an open header menu closes it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
