// Kejin page behaviour. No inline scripts (Content-Security-Policy): everything lives here.
(function () {
  "use strict";
  // Language switch submits on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // Bootstrap tooltips (e.g. the "approximate deadline" badge), also in HTMX-loaded parts.
  function tooltips(root) {
    if (!window.bootstrap) { return; }
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el);
    });
  }
  tooltips(document);
  // "Back" on error pages: to the previous page in this tab when there is one, else the link's own target.
  document.querySelectorAll("a[data-history-back]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (window.history.length > 1 && document.referrer) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
  document.body.addEventListener("htmx:afterSwap", function (event) { tooltips(event.target); });
})();
