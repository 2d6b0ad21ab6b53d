/* Countdowns to an offer's end. The page carries the end instant and the server's now (ISO UTC);
   the offset between the server's now and this device's clock is taken once, at load, so a
   device whose clock is wrong still counts down to the server's end. At zero it says "ended" and
   stops. */
(function () {
  "use strict";
  var loadedAt = Date.now();

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function format(seconds, daysFormat) {
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
    if (!days) return clock;
    return (daysFormat || "{d} d {clock}").replace("{d}", String(days)).replace("{clock}", clock);
  }

  function start(element) {
    var ends = Date.parse(element.getAttribute("data-ends"));
    var serverNow = Date.parse(element.getAttribute("data-now"));
    var clock = element.querySelector("[data-countdown-clock]");
    if (isNaN(ends) || isNaN(serverNow) || !clock) return;
    var offset = serverNow - loadedAt;
    var daysFormat = element.getAttribute("data-days-format");
    var timer = null;

    function tick() {
      var left = Math.floor((ends - (Date.now() + offset)) / 1000);
      if (left <= 0) {
        clock.textContent = element.getAttribute("data-ended-text") || "";
        element.classList.add("is-ended");
        var label = element.querySelector("[data-countdown-label]");
        if (label) label.hidden = true;
        if (timer !== null) window.clearInterval(timer);
        return false;
      }
      clock.textContent = format(left, daysFormat);
      return true;
    }

    if (tick()) timer = window.setInterval(tick, 1000);
  }

  function init() {
    var elements = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < elements.length; i++) start(elements[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
