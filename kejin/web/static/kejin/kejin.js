// Kejin page behaviour. No inline scripts (Content-Security-Policy): everything lives here.
(function () {
  "use strict";
  // Language switch submits on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
})();
