/* A "copy" button beside a read-only field: <button data-copy="#field-id" aria-describedby="status-id">. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.dataset.copy);
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function (ok) {
        if (status) { status.textContent = ok ? button.dataset.copied : button.dataset.failed; }
      };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); },
          function () { done(document.execCommand("copy")); });
      } else {
        done(document.execCommand("copy"));
      }
    });
  });
})();
