// The rule editor's enhancements (kejin/core/ui/rule_editor.py); the form works without them.
// Hides spare condition rows behind an "add" button and shows each value's unit.
(function () {
  "use strict";
  function unitOf(row) {
    var fact = row.querySelector('[data-role="fact"]');
    var divisor = row.querySelector('[data-role="divisor"]');
    if (divisor && divisor.value) return "%";
    var option = fact && fact.options[fact.selectedIndex];
    return option ? option.getAttribute("data-unit") || "" : "";
  }
  function showUnit(row) {
    var unit = row.querySelector('[data-role="unit"]');
    if (!unit) return;
    var text = unitOf(row);
    unit.textContent = text;
    unit.classList.toggle("d-none", !text);
  }
  document.querySelectorAll("[data-rule-editor]").forEach(function (editor) {
    var rows = Array.prototype.slice.call(editor.querySelectorAll("tr[data-condition]"));
    var spares = rows.filter(function (row) { return row.hasAttribute("data-spare"); });
    var add = editor.querySelector('[data-role="add-row"]');
    var filled = rows.length - spares.length;
    spares.forEach(function (row, i) {
      if (filled > 0 || i > 0) row.classList.add("d-none");
    });
    function hidden() { return spares.filter(function (row) { return row.classList.contains("d-none"); }); }
    if (add) {
      add.classList.toggle("d-none", hidden().length === 0);
      add.addEventListener("click", function () {
        var next = hidden()[0];
        if (next) next.classList.remove("d-none");
        add.classList.toggle("d-none", hidden().length === 0);
      });
    }
    rows.forEach(function (row) {
      showUnit(row);
      row.addEventListener("change", function () { showUnit(row); });
    });
  });
})();
