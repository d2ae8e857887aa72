/* A "print" button for documents such as the lägesbild; Ctrl+P does the same. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Tables hidden in <details> on screen belong in the printed document.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.print-open").forEach(function (d) {
      d.dataset.wasOpen = d.open ? "1" : "";
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details.print-open").forEach(function (d) {
      d.open = d.dataset.wasOpen === "1";
    });
  });
})();
