// The lead board: drag a card to another stage (or press its "move" button) and the dialog asks
// what that stage needs; the form posts to the server, which applies the same rules as the
// lead form (签约 needs the verify right, the amount and the date).
(function () {
  "use strict";

  function start() {
    var dialog = document.getElementById("move-dialog");
    if (!dialog) return;
    var form = document.getElementById("move-form");
    var stage = form.elements.stage;

    function showSignedFields() {
      var signed = stage.value === "signed";
      dialog.querySelectorAll("[data-when-signed]").forEach(function (element) {
        element.hidden = !signed;
      });
      form.elements.signed_amount_wan.required = signed;
      form.elements.signed_on.required = signed;
    }

    function open(card, target) {
      form.action = card.dataset.action;
      form.elements.version.value = card.dataset.version;
      stage.value = target || card.dataset.stage;
      dialog.querySelector("[data-lead-name]").textContent = "“" + card.dataset.name + "”";
      showSignedFields();
      dialog.showModal();
      stage.focus();
    }

    stage.addEventListener("change", showSignedFields);
    dialog.querySelector("[data-close]").addEventListener("click", function () {
      dialog.close();
    });

    var dragged = null;
    document.querySelectorAll(".board-card").forEach(function (card) {
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.dataset.lead);
      });
      card.addEventListener("dragend", function () {
        dragged = null;
      });
      var button = card.querySelector(".move-button");
      if (button) {
        button.addEventListener("click", function () {
          open(card, null);
        });
      }
    });
    document.querySelectorAll(".board-column").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (dragged && dragged.dataset.stage !== column.dataset.stage) {
          event.preventDefault();
          column.classList.add("drop-target");
        }
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("drop-target");
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        if (dragged) open(dragged, column.dataset.stage);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
