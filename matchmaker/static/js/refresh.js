// A section that is still being prepared on the server (the match index of a worker that just
// started) asks to be loaded again: the element carries data-refresh-after="<seconds>".
(function () {
  "use strict";
  function start() {
    var waiting = document.querySelector("[data-refresh-after]");
    if (!waiting) {
      return;
    }
    var seconds = parseInt(waiting.getAttribute("data-refresh-after"), 10);
    if (!(seconds > 0)) {
      seconds = 15;
    }
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
