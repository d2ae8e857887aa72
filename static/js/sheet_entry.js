/* The paper-entry screen: one digit answers a choice and moves on; Enter moves on, and on the
 * last question saves the sheet; Ctrl+Enter saves from anywhere. Without this script the form
 * is an ordinary form: Tab between fields, the button saves. */
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll(".sheet-questions input"));
  var save = document.getElementById("save-sheet");
  var number = document.getElementById("sheet_number");

  function next(field) {
    var i = fields.indexOf(field);
    var target = i >= 0 && i + 1 < fields.length ? fields[i + 1] : save;
    target.focus();
    if (target.select) { target.select(); }
  }

  fields.forEach(function (field) {
    var options = parseInt(field.getAttribute("data-one-key") || "0", 10);
    if (options) {
      field.addEventListener("input", function () {
        var value = field.value;
        if (/^[0-9]$/.test(value) && parseInt(value, 10) <= options) { next(field); }
      });
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey || event.target === fields[fields.length - 1]) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (event.target === number) {
      fields[0].focus();
    } else {
      next(event.target);
    }
  });

  var invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
})();
