/* The time an offer has left, to the minute. The page carries the end instant and the server's
   now (ISO UTC); the offset between the server's now and this device's clock is taken at load, so
   a device whose clock is wrong still shows the time to the server's end. It is written once, when
   the page loads (a page kept in a cache for a minute is put right), and does not tick on: WCAG
   2.2.2 asks that nothing update itself while the shopper reads, unless they can pause it. At zero
   it says "ended". */
(function () {
  "use strict";
  var loadedAt = Date.now();

  function format(seconds, element) {
    var minutes = Math.floor(seconds / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor(minutes % 1440 / 60);
    var key = days ? "days" : (hours ? "hours" : "minutes");
    return (element.getAttribute("data-format-" + key) || "")
      .replace("{d}", String(days)).replace("{h}", String(hours)).replace("{m}", String(minutes % 60));
  }

  function show(element) {
    var ends = Date.parse(element.getAttribute("data-ends"));
    var serverNow = Date.parse(element.getAttribute("data-now"));
    var clock = element.querySelector("[data-countdown-clock]");
    if (isNaN(ends) || isNaN(serverNow) || !clock) return;
    var left = Math.floor((ends - (Date.now() + serverNow - loadedAt)) / 1000);
    if (left <= 0) {
      clock.textContent = element.getAttribute("data-ended-text") || "";
      element.classList.add("is-ended");
      var label = element.querySelector("[data-countdown-label]");
      if (label) label.hidden = true;
      return;
    }
    clock.textContent = format(left, element);
  }

  function init() {
    var elements = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < elements.length; i++) show(elements[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
