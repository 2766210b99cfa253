// Sorting, category filter and protocol filter. Reads only data-* attributes and writes only
// textContent and attributes: no HTML is ever built from page data.
(function () {
  "use strict";
  var state = { category: "all", sortIndex: -1, sortDir: 0 };

  function cellValue(cell, category) {
    if (!cell) { return null; }
    if (cell.hasAttribute("data-text")) { return cell.getAttribute("data-text"); }
    var raw = cell.getAttribute("data-c-" + category);
    if (raw === null || raw === "") { return null; }
    var n = Number(raw);
    return isNaN(n) ? null : n;
  }

  function sortTable(table, index, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[index], state.category);
      var y = cellValue(b.cells[index], state.category);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   // missing values always last
      if (y === null) { return -1; }
      if (typeof x === "string") { return dir * x.localeCompare(y); }
      return dir * (x - y);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    var heads = table.querySelectorAll("thead tr.cols th");
    Array.prototype.forEach.call(heads, function (th, i) {
      if (i === index) { th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }

  function showCategory(table, category) {
    var cells = table.querySelectorAll("td[data-c-all]");
    Array.prototype.forEach.call(cells, function (td) {
      var raw = td.getAttribute("data-c-" + category);
      var digits = Number(td.getAttribute("data-digits") || "0");
      var out = td.querySelector(".v") || td;
      if (raw === null || raw === "") { out.textContent = "–"; }
      else { out.textContent = Number(raw).toFixed(digits); }
    });
  }

  function setupBoard(table) {
    var heads = table.querySelectorAll("thead tr.cols th");
    Array.prototype.forEach.call(heads, function (th, index) {
      if (!th.classList.contains("sortable")) { return; }
      th.setAttribute("tabindex", "0");
      var activate = function () {
        var first = th.getAttribute("data-first") === "asc" ? 1 : -1;
        state.sortDir = state.sortIndex === index ? -state.sortDir : first;
        state.sortIndex = index;
        sortTable(table, index, state.sortDir);
      };
      th.addEventListener("click", activate);
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); activate(); }
      });
    });
    var select = document.getElementById("category");
    if (select) {
      select.addEventListener("change", function () {
        state.category = select.value;
        showCategory(table, state.category);
        if (state.sortIndex >= 0) { sortTable(table, state.sortIndex, state.sortDir); }
        var note = document.getElementById("category-note");
        if (note) { note.classList.toggle("hidden", state.category === "all"); }
      });
    }
  }

  function setupProtocolFilter() {
    var select = document.getElementById("protocol");
    if (!select) { return; }
    select.addEventListener("change", function () {
      var items = document.querySelectorAll("[data-protocol]");
      Array.prototype.forEach.call(items, function (el) {
        var show = select.value === "" || el.getAttribute("data-protocol") === select.value;
        el.classList.toggle("hidden", !show);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.board"), setupBoard);
    setupProtocolFilter();
  });
}());
