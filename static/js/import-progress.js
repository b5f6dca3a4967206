// The import page polls how far its import has got and shows the result when it is done.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var phases = JSON.parse(box.getAttribute("data-phases"));
  function poll() {
    fetch(box.getAttribute("data-import-status"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        if (state.total) { bar.max = state.total; bar.value = state.done; }
        text.textContent = (phases[state.phase] || state.phase) + " " +
          state.done.toLocaleString() + " / " + state.total.toLocaleString();
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
