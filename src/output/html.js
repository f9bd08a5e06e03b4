// Sort a table by a column head's click (numbers by their data-sort value), and filter
// the partner table by text and impact class. No request, no library.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.dataset.dir !== "asc";
      table.querySelectorAll("thead th").forEach(function (o) { delete o.dataset.dir; });
      th.dataset.dir = asc ? "asc" : "desc";
      var key = function (tr) {
        var c = tr.cells[col];
        if (!c) return "";
        return c.dataset.sort !== undefined ? Number(c.dataset.sort) : c.textContent.toLowerCase();
      };
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return asc ? d : -d;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
});
(function () {
  var text = document.getElementById("filter");
  var impact = document.getElementById("impact-filter");
  if (!text || !impact) return;
  var filter = function () {
    var t = text.value.toLowerCase(), i = impact.value;
    document.querySelectorAll("#partners tbody tr").forEach(function (tr) {
      tr.hidden = !((!t || tr.textContent.toLowerCase().indexOf(t) >= 0) && (!i || tr.dataset.impact === i));
    });
  };
  text.addEventListener("input", filter);
  impact.addEventListener("change", filter);
})();
