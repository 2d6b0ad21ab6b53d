// "Copy link": copy the tagged address instead of opening it, where the browser allows it.
// Without JavaScript (or clipboard access, e.g. in some frames) the link simply opens the page.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-copy-link]");
  if (!link || !navigator.clipboard || !window.isSecureContext) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.href).then(function () {
    var label = link.getAttribute("data-copied-label");
    var status = document.querySelector("[data-share-status]");
    link.classList.add("is-copied");
    if (status) status.textContent = label;
    link.textContent = label;
  }, function () { window.location.href = link.href; });
});
