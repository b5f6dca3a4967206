// The portal's referral form: a file too large, an empty one or one too many is named at the
// field as soon as it is chosen and stops the form, so a request the server would refuse whole
// (413) never loses what was typed. The server checks everything again, the type by content.
(function () {
  "use strict";
  var input = document.querySelector("input[data-max-bytes]");
  if (!input || !input.form) return;
  var maxBytes = Number(input.getAttribute("data-max-bytes"));
  var maxCount = Number(input.getAttribute("data-max-count"));
  var field = input.closest(".field");
  var message = document.createElement("span");
  message.className = "error";
  message.setAttribute("role", "alert");
  message.setAttribute("data-testid", "attachment-problem");
  message.hidden = true;
  field.insertBefore(message, input);

  function problem() {
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > maxCount) return input.getAttribute("data-too-many");
    for (var i = 0; i < files.length; i++) {
      if (files[i].size === 0) return input.getAttribute("data-empty").replace("{name}", files[i].name);
      if (files[i].size > maxBytes) return input.getAttribute("data-too-large").replace("{name}", files[i].name);
    }
    return "";
  }

  function show() {
    var text = problem();
    message.textContent = text;
    message.hidden = !text;
    field.classList.toggle("has-error", Boolean(text));
    return text;
  }

  input.addEventListener("change", show);
  input.form.addEventListener("submit", function (event) {
    if (show()) {
      event.preventDefault();
      input.focus();
    }
  });
})();
