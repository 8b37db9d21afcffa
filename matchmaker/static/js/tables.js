// A table wider than a phone screen scrolls by itself (see app.css). Keyboard users must be
// able to scroll it too, so such a table joins the tab order while, and only while, it scrolls.
(function () {
  "use strict";
  function update(table) {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.setAttribute("tabindex", "0");
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  }
  function start() {
    var tables = document.querySelectorAll("table.table");
    tables.forEach(update);
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      tables.forEach(function (table) { observer.observe(table); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
