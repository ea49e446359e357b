// Sorting and filtering for the report's tables, in the page (no library, no network).
// Click a column heading to sort by it (again to reverse); type in a table's filter box to keep
// the rows holding every word typed. A cell's data-sort attribute, when present, is its value.
(function () {
  "use strict";

  function cellKey(cell) {
    if (!cell) { return { text: "" }; }
    var raw = cell.getAttribute("data-sort");
    if (raw === null) { raw = cell.textContent.trim(); }
    var number = Number(raw);
    if (raw !== "" && isFinite(number)) { return { number: number, text: raw }; }
    return { text: raw.toLowerCase() };
  }

  function compare(a, b) {
    if (a.number !== undefined && b.number !== undefined) { return a.number - b.number; }
    if (a.number !== undefined) { return -1; }
    if (b.number !== undefined) { return 1; }
    return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
  }

  function sortable(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) { return; }
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "sort by " + th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = Array.prototype.map.call(body.rows, function (row, index) {
          return { row: row, key: cellKey(row.cells[column]), index: index };
        });
        keyed.sort(function (a, b) {
          return (ascending ? compare(a.key, b.key) : compare(b.key, a.key)) || a.index - b.index;
        });
        var fragment = document.createDocumentFragment();
        keyed.forEach(function (item) { fragment.appendChild(item.row); });
        body.appendChild(fragment);
      });
    });
  }

  function filterable(table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var input = document.createElement("input");
    input.type = "search";
    input.className = "filter";
    input.placeholder = "Filter these rows";
    input.setAttribute("aria-label", "filter the table");
    input.setAttribute("data-filter-for", table.id);
    table.parentNode.insertBefore(input, table);
    var count = document.getElementById(table.id + "-count");
    var total = body.rows.length;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      if (count) { count.textContent = words.length ? shown + " of " + total + " rows match" : total + " rows"; }
    });
  }

  // The print button: the page's print stylesheet lays it out for paper or a PDF.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
  Array.prototype.forEach.call(document.querySelectorAll("table.filterable"), filterable);
}());
