// The campaign board: drag and drop (mouse via native HTML5 events, touch and
// pen via pointer events on the handle), arrow-key moves on a focused card and
// the side panel. Every move posts the card's own "Move to…" form fields to
// the same endpoint the form uses, so the board works without this file.
(function () {
  "use strict";

  var dragged = null; // the card being dragged
  var origin = null; // where it came from, to put it back on cancel
  var focusAfter = null; // id of the element to focus once a swap settles
  var opener = null; // the link that opened the side panel

  function board() {
    return document.getElementById("board");
  }

  function panel() {
    return document.getElementById("panel");
  }

  function isCard(el) {
    return el && el.classList && el.classList.contains("card");
  }

  function siblingCard(card, forward) {
    var el = forward ? card.nextElementSibling : card.previousElementSibling;
    while (el && (!isCard(el) || el === dragged)) {
      el = forward ? el.nextElementSibling : el.previousElementSibling;
    }
    return el;
  }

  function columnOf(el) {
    return el.closest(".board-col");
  }

  function announce(text) {
    var live = document.getElementById("board-live");
    if (live) live.textContent = text;
  }

  // ---- saving a move ----------------------------------------------------

  // The board version this page shows; the server answers a move from a
  // current board with the column heads only, and anything else with a
  // fresh board.
  function version() {
    var poll = document.getElementById("board-poll");
    return poll ? poll.dataset.version : "";
  }

  function filtered() {
    return board().classList.contains("board--filtered");
  }

  // After a move the server agreed to, the cards of a column are numbered by
  // their order on the page, as they are in the database. On a filtered
  // board the server sends the columns instead.
  function renumber(list) {
    var status = columnOf(list).dataset.status;
    var cards = list.querySelectorAll(".card");
    cards.forEach(function (card, index) {
      card.dataset.position = String(index);
      var place = card.querySelector(".card__move-form input[name='position']");
      if (place) place.value = String(index + 1);
      var column = card.querySelector(".card__move-form select[name='status']");
      if (column) column.value = status;
    });
  }

  function send(card, status, place, fromList) {
    var form = card.querySelector(".card__move-form");
    if (!form || !window.htmx) return;
    var title = card.querySelector(".card__title").textContent.trim();
    var column = document.getElementById("col-" + status);
    var label = column ? column.querySelector(".board-col__title").textContent : status;
    htmx
      .ajax("POST", form.getAttribute("action"), {
        source: card,
        values: { status: status, position: String(place), v: version() },
        swap: "none",
      })
      .then(function () {
        if (!filtered() && document.body.contains(card)) {
          renumber(card.parentNode);
          if (fromList && fromList !== card.parentNode) renumber(fromList);
        }
        announce("Moved “" + title + "” to " + label + ", place " + place + ".");
      });
  }

  // A failed move (someone deleted the card, the network dropped): show the
  // board as the server has it.
  document.addEventListener("htmx:responseError", function () {
    if (board()) htmx.trigger(document.body, "board-changed");
  });

  // The 1-based place in the whole column for a card dropped where it is now.
  // Positions come from the server, so this is right on a filtered board too.
  function placeOf(card, fromStatus, oldPosition, status) {
    var same = fromStatus === status;
    var next = siblingCard(card, true);
    var prev = siblingCard(card, false);
    var position;
    if (next) {
      position = +next.dataset.position;
      if (same && oldPosition < position) position -= 1;
    } else if (prev) {
      position = +prev.dataset.position;
      if (!same || oldPosition > position) position += 1;
    } else {
      position = same ? oldPosition : 0;
    }
    return position + 1;
  }

  // ---- dragging -----------------------------------------------------------

  function listAt(el) {
    var column = el && el.closest ? el.closest("#board .board-col") : null;
    return column ? column.querySelector(".board-col__cards") : null;
  }

  function placeIn(list, y) {
    var cards = list.querySelectorAll(".card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i] === dragged) continue;
      var box = cards[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) {
        if (cards[i].previousElementSibling !== dragged) list.insertBefore(dragged, cards[i]);
        return;
      }
    }
    if (list.lastElementChild !== dragged) list.appendChild(dragged);
  }

  function start(card) {
    dragged = card;
    origin = {
      list: card.parentNode,
      next: card.nextElementSibling,
      status: columnOf(card).dataset.status,
      position: +card.dataset.position,
    };
    card.classList.add("is-dragging");
    document.body.classList.add("is-board-dragging");
  }

  function finish(dropped) {
    var card = dragged;
    if (!card) return;
    dragged = null;
    card.classList.remove("is-dragging");
    document.body.classList.remove("is-board-dragging");
    document.querySelectorAll(".board-col.is-over").forEach(function (c) {
      c.classList.remove("is-over");
    });
    if (!dropped) {
      origin.list.insertBefore(card, origin.next);
      return;
    }
    var status = columnOf(card).dataset.status;
    var place = placeOf(card, origin.status, origin.position, status);
    if (status === origin.status && place === origin.position + 1) return;
    send(card, status, place, origin.list);
  }

  function hover(list) {
    document.querySelectorAll(".board-col.is-over").forEach(function (c) {
      if (c !== columnOf(list)) c.classList.remove("is-over");
    });
    columnOf(list).classList.add("is-over");
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".card[draggable='true']") : null;
    if (!card) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
    start(card);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var list = listAt(event.target);
    if (!list) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    hover(list);
    placeIn(list, event.clientY);
  });

  document.addEventListener("drop", function (event) {
    if (!dragged || !listAt(event.target)) return;
    event.preventDefault();
    finish(true);
  });

  document.addEventListener("dragend", function () {
    if (dragged) finish(false);
  });

  // Touch and pen: the handle starts a drag that follows the finger.
  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse") return;
    var handle = event.target.closest ? event.target.closest(".card__handle") : null;
    if (!handle) return;
    event.preventDefault();
    try {
      handle.setPointerCapture(event.pointerId);
    } catch (error) {
      // No capture for this pointer: moves are still tracked on the document.
    }
    start(handle.closest(".card"));
  });

  document.addEventListener("pointermove", function (event) {
    if (!dragged || event.pointerType === "mouse") return;
    var list = listAt(document.elementFromPoint(event.clientX, event.clientY));
    if (!list) return;
    hover(list);
    placeIn(list, event.clientY);
  });

  document.addEventListener("pointerup", function (event) {
    if (dragged && event.pointerType !== "mouse") finish(true);
  });

  document.addEventListener("pointercancel", function (event) {
    if (dragged && event.pointerType !== "mouse") finish(false);
  });

  // ---- the keyboard -------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    var card = event.target;
    if (!isCard(card) || card.getAttribute("draggable") !== "true") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === "Enter") {
      // Enter on the card itself opens it, as a click on its title does.
      var link = card.querySelector(".card__title a");
      if (!link) return;
      event.preventDefault();
      if (!window.htmx) {
        location.href = link.href;
        return;
      }
      opener = link;
      openPanel(link.getAttribute("href"), panelEntry() ? "replace" : "push");
      return;
    }
    var column = columnOf(card);
    var fromList = card.parentNode;
    var status = column.dataset.status;
    var place;
    var list;
    var before;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var columns = Array.prototype.slice.call(document.querySelectorAll("#board .board-col"));
      var next = columns[columns.indexOf(column) + (event.key === "ArrowLeft" ? -1 : 1)];
      if (!next) return;
      status = next.dataset.status;
      place = 1;
      list = next.querySelector(".board-col__cards");
      before = list.querySelector(".card");
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      var down = event.key === "ArrowDown";
      var neighbour = siblingCard(card, down);
      if (!neighbour) return;
      place = +neighbour.dataset.position + 1;
      list = fromList;
      before = down ? neighbour.nextElementSibling : neighbour;
    } else {
      return;
    }
    event.preventDefault();
    // Shown at once, as a drag would; the answer confirms or corrects it.
    list.insertBefore(card, before);
    card.focus();
    focusAfter = card.id;
    send(card, status, place, fromList);
  });

  // ---- refreshing ---------------------------------------------------------

  // Another person's change refetches the board, but not in the middle of a
  // drag or while something is typed into it; the next poll tries again.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.hasAttribute || !elt.hasAttribute("data-board-refresh")) return;
    var active = document.activeElement;
    var typing =
      active && board().contains(active) && active.matches("input, select, textarea") && active.value;
    if (dragged || typing || board().querySelector(".card__move[open]")) {
      event.preventDefault();
      return;
    }
    if (active && active.id && board().contains(active)) focusAfter = active.id;
  });

  function settle() {
    var p = panel();
    if (focusAfter) {
      var el = document.getElementById(focusAfter);
      focusAfter = null;
      if (el) el.focus();
    }
    if (p && p.dataset.fresh) {
      delete p.dataset.fresh;
      var first = p.querySelector("[autofocus]") || p;
      first.focus();
    }
  }

  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") {
      placeUnderHeader();
      panel().dataset.fresh = "1";
    }
    setTimeout(settle, 0);
  });

  // ---- the side panel -----------------------------------------------------

  // The board's own address (with its filters) and title, for when the
  // panel closes; an open panel has the tactic's address, which opens the
  // tactic's own page when reloaded, bookmarked or shared.
  var boardHref = board() ? location.pathname + location.search : null;
  var boardTitle = document.title;

  // The history entries the panel adds are the board's (board.js pushes
  // them; htmx's history is not used): Back closes the panel, Forward opens
  // it again, each time as the server has it now.
  function panelEntry() {
    return history.state && history.state.panel ? history.state.panel : null;
  }

  function titled(p) {
    var heading = p.querySelector(".tactic-panel__title");
    document.title = heading
      ? boardTitle.replace(/^Board\b/, heading.textContent.trim())
      : boardTitle;
  }

  function linkTo(href) {
    var links = document.querySelectorAll("#board .card__title a");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === href) return links[i];
    }
    return null;
  }

  // The panel starts where the header ends on screen (nowhere, once the
  // page has scrolled past it); the page holds still while it is open.
  function placeUnderHeader() {
    var header = document.querySelector(".site-header");
    var bottom = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
    document.documentElement.style.setProperty("--panel-top", bottom + "px");
  }

  // Fetches a card into the panel; `how` is "push" (a new history entry),
  // "replace" (instead of the panel's entry) or "" (the entry is there).
  function openPanel(href, how) {
    var p = panel();
    placeUnderHeader();
    var before = p.firstElementChild;
    // htmx sends nothing for an element a refresh has taken off the page.
    var source = opener && document.body.contains(opener) ? opener : board();
    return htmx
      .ajax("GET", href, { source: source, target: "#panel", swap: "innerHTML" })
      .then(function () {
        if (!p.firstElementChild || p.firstElementChild === before) {
          // Gone meanwhile (the board refetches itself): back to its address.
          if (!how && panelEntry()) history.replaceState(null, "", boardHref);
          return;
        }
        titled(p);
        if (how === "push") history.pushState({ panel: href }, "", href);
        else if (how === "replace") history.replaceState({ panel: href }, "", href);
        (p.querySelector("[autofocus]") || p).focus();
      });
  }

  // A card's title opens it in the side panel; the link stays a plain link
  // (a full page) without JavaScript or when opened in a new tab.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("#board .card__title a") : null;
    if (!link || !window.htmx) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    opener = link;
    // Another card while one is open takes its place: Back is the board.
    openPanel(link.getAttribute("href"), panelEntry() ? "replace" : "push");
  });

  // A saved panel is swapped in whole: keep the focus inside it, on the
  // confirmation, rather than dropping it to the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    var p = panel();
    if (p && event.detail.target === p && panelEntry()) titled(p); // renamed
    if (!p || event.detail.target !== p || p.contains(document.activeElement)) return;
    var status = p.querySelector("[role='status']");
    if (status) status.setAttribute("tabindex", "-1");
    (p.querySelector("[autofocus]") || status || p).focus();
  });

  function closePanel() {
    var p = panel();
    if (!p || !p.firstElementChild) return;
    p.innerHTML = "";
    document.title = boardTitle;
    if (opener && document.body.contains(opener)) opener.focus();
    else if (board()) board().querySelector(".card, a")?.focus();
  }

  // The close button and Escape: closed at once, and a panel that has an
  // address of its own goes back to the board's (the entry before it).
  function dismissPanel() {
    closePanel();
    if (panelEntry()) history.back();
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest
      ? event.target.closest("#panel [data-panel-close], [data-panel-backdrop]")
      : null;
    if (!close) return;
    event.preventDefault();
    dismissPanel();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var p = panel();
    var active = document.activeElement;
    if (p && (p.contains(active) || !active || active === document.body)) dismissPanel();
  });

  // ---- the phone's column switcher ------------------------------------------

  // One column at a time on a phone: the switcher marks the one in sight and
  // keeps it in its own row's view (the row scrolls, never the page).
  function markColumnInSight() {
    var row = document.querySelector("#board .board");
    var links = document.querySelectorAll(".board-switch__list a");
    if (!row || !links.length || row.scrollWidth <= row.clientWidth) return;
    var left = row.getBoundingClientRect().left;
    var nearest = null;
    var distance = Infinity;
    row.querySelectorAll(".board-col").forEach(function (column) {
      var d = Math.abs(column.getBoundingClientRect().left - left);
      if (d < distance) {
        distance = d;
        nearest = column.id;
      }
    });
    links.forEach(function (link) {
      if (link.getAttribute("href") === "#" + nearest) {
        if (link.getAttribute("aria-current")) return;
        link.setAttribute("aria-current", "true");
        var list = link.closest(".board-switch__list");
        var item = link.parentElement;
        list.scrollLeft = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  var marking = false;
  document.addEventListener(
    "scroll",
    function (event) {
      if (marking || !event.target.classList || !event.target.classList.contains("board")) return;
      marking = true;
      requestAnimationFrame(function () {
        marking = false;
        markColumnInSight();
      });
    },
    { capture: true, passive: true }
  );
  document.addEventListener("htmx:afterSettle", markColumnInSight);
  window.addEventListener("resize", markColumnInSight);
  markColumnInSight();

  // ---- Back and Forward ---------------------------------------------------

  // Asks the version URL now, rather than at the next poll, whether the
  // board changed; its answer (HX-Trigger: board-changed) refetches the
  // columns through the board's refresh element.
  function checkBoard() {
    var poll = document.getElementById("board-poll");
    if (poll && window.htmx) htmx.ajax("GET", poll.getAttribute("hx-get"), { source: poll, swap: "none" });
  }

  window.addEventListener("popstate", function (event) {
    if (!board() || !window.htmx) return;
    var href = event.state && event.state.panel;
    if (href) {
      opener = linkTo(href);
      openPanel(href, "");
    } else if (location.pathname + location.search === boardHref) {
      closePanel();
    }
    checkBoard();
  });

  // Back or Forward to the board shows it as it was when it was left: the
  // very page from the back-forward cache (persisted), or the page again
  // from the HTTP cache. Either way it asks whether it is still current.
  // (Its answers are `Cache-Control: private, no-cache`, not `no-store`,
  // which would keep the page out of the back-forward cache altogether.)
  window.addEventListener("pageshow", function (event) {
    if (!board()) return;
    var navigation = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (event.persisted || (navigation && navigation.type === "back_forward")) checkBoard();
  });
})();
