// The stance pipeline: drag a person to another column, then say why in a
// small dialog. Without this script every card's "Move…" form does the same.
(function () {
  "use strict";

  var board = document.getElementById("pipeline");
  var dialog = document.getElementById("move-dialog");
  if (!board || !dialog || typeof dialog.showModal !== "function") return;

  var form = dialog.querySelector("form");
  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest(".pipeline__column") : null;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".pipeline-card[draggable]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    board.querySelectorAll(".is-drop-target").forEach(function (col) {
      col.classList.remove("is-drop-target");
    });
  });

  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column || column.dataset.stance === dragged.dataset.stance) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".is-drop-target").forEach(function (col) {
      if (col !== column) col.classList.remove("is-drop-target");
    });
    column.classList.add("is-drop-target");
  });

  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    column.classList.remove("is-drop-target");
    if (column.dataset.stance === dragged.dataset.stance) return;
    open(dragged, column);
  });

  function open(card, column) {
    form.action = card.dataset.moveUrl;
    form.elements.to_stance.value = column.dataset.stance;
    dialog.querySelector('[data-slot="name"]').textContent = card.dataset.name;
    dialog.querySelector('[data-slot="stance"]').textContent = column.dataset.label.toLowerCase();
    form.elements.reason.value = "";
    form.elements.tactic.value = "";
    dialog.returnFocusTo = card.querySelector("a");
    dialog.showModal();
    form.elements.reason.focus();
  }

  dialog.querySelector('[data-action="cancel"]').addEventListener("click", function () {
    dialog.close();
  });

  dialog.addEventListener("close", function () {
    if (dialog.returnFocusTo) dialog.returnFocusTo.focus();
  });
})();
