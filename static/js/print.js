// The decision dossier's "Print / save as PDF" button. Without JavaScript the button stays
// hidden and a hint tells people to use the browser's own Print command.
(function () {
  "use strict";
  function setUp() {
    var buttons = document.querySelectorAll("[data-readiness-print]");
    if (!buttons.length || typeof window.print !== "function") {
      return;
    }
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
    document.querySelectorAll("[data-readiness-print-hint]").forEach(function (hint) {
      hint.hidden = true;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
