/* The receipt's buttons: copy the code, print or save it as PDF. Both need script, so both
 * stay hidden without it; the code itself is then selected by a single tap (user-select). */
(function () {
  "use strict";
  var code = document.getElementById("receipt-code");
  var copy = document.getElementById("copy-code");
  var status = document.getElementById("copy-status");
  var print = document.getElementById("print-receipt");
  if (!code || !copy) { return; }

  function selectCode() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = copy.dataset.selected;
  }

  copy.hidden = false;
  copy.addEventListener("click", function () {
    var text = code.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { status.textContent = copy.dataset.copied; },
        selectCode
      );
    } else {
      selectCode();
    }
  });
  if (print) { print.hidden = false; }
})();
