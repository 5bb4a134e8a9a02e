// Small progressive enhancements shared by every page. Pages work without it.
(function () {
  "use strict";

  // Escape closes the open header menus (the phone's menu holds the account
  // menu) and returns focus to the outermost one's toggle.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelectorAll("details.menu[open]");
    open.forEach(function (menu) {
      menu.open = false;
    });
    if (open.length) open[0].querySelector("summary").focus();
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

  // Email settings never saved: choose the browser's own time zone, if the
  // list has it, and say so (without JavaScript the list starts at UTC).
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone || zone === select.value) return;
    var offered = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!offered) return;
    select.value = zone;
    var hint = document.getElementById(select.dataset.browserZone);
    if (hint) {
      hint.hidden = false;
      select.setAttribute("aria-describedby", hint.id);
    }
  });

  // Campaign tabs that scroll inside their row: the current one in sight,
  // in the middle. Scrolls the row only, never the page.
  document.querySelectorAll(".subnav").forEach(function (tabs) {
    var current = tabs.querySelector("[aria-current]");
    if (!current || tabs.scrollWidth <= tabs.clientWidth) return;
    tabs.scrollLeft = current.offsetLeft - (tabs.clientWidth - current.offsetWidth) / 2;
  });

  // A private address to copy (a calendar's): a click in it selects it all,
  // and a Copy button appears where the clipboard can be written. Without
  // JavaScript the address is selected and copied by hand.
  document.querySelectorAll("input[data-select-all]").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector(
      '[data-copy-status="' + button.dataset.copy + '"]'
    );
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          button.textContent = "Copied";
          if (status) status.textContent = "Address copied.";
        },
        function () {
          field.focus();
          field.select();
          if (status) status.textContent = "Press Ctrl+C or ⌘C to copy it.";
        }
      );
    });
  });

  // A click outside an open header menu closes it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
