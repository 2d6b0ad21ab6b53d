/* Small progressive enhancements; every form on the page already works without this file.
 *
 * - Variant picker: the server renders one radio per variant (data-* carry its price, stock and
 *   picture). Here they are replaced by one pill group per option (Size, Colour) that checks the
 *   matching variant radio and updates price, compare-at price, stock state and picture.
 * - Sort selects submit on change.
 * - Gallery thumbnails swap the main picture (and its alt text); the highlighted thumbnail follows
 *   the picture on show.
 * - The header's category bar scrolls a link reached by keyboard fully into view.
 */
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  function setHidden(element, hidden) {
    if (element) { element.hidden = hidden; }
  }

  // The picture on show, whoever changed it (a thumbnail's click or a colour chosen in the variant
  // picker): its own alt text goes with it (a screen reader heard the first picture's colour on a
  // green one), and its thumbnail is the highlighted one.
  function showPicture(main, url, alt) {
    main.setAttribute("src", url);
    if (alt !== null) { main.setAttribute("alt", alt); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-thumb]"), function (thumb) {
      if (thumb.getAttribute("data-full") === url) {
        thumb.setAttribute("aria-current", "true");
      } else {
        thumb.removeAttribute("aria-current");
      }
    });
  }

  function enhanceVariantPicker(form) {
    var variantRadios = Array.prototype.slice.call(form.querySelectorAll('input[name="variant_id"][type="radio"]'));
    if (!variantRadios.length) { return; }
    var pickers = form.querySelector("[data-option-pickers]");
    var list = form.querySelector("[data-variant-list]");
    var priceEl = document.querySelector("[data-price]");
    var compareEl = document.querySelector("[data-compare]");
    var compareAmountEl = document.querySelector("[data-compare-amount]");
    var saleBadge = document.querySelector("[data-sale-badge]");
    var stockEl = form.querySelector("[data-stock-state]");
    var missingEl = form.querySelector("[data-combo-missing]");
    var addButton = form.querySelector("[data-add-to-cart]");
    var mainImage = document.querySelector("[data-main-image]");

    var variants = variantRadios.map(function (radio) {
      var options = {};
      try { options = JSON.parse(radio.getAttribute("data-variant-options") || "{}"); } catch (e) { options = {}; }
      return { radio: radio, options: options };
    });

    function soldOut(variant) {
      return variant.radio.getAttribute("data-variant-stock") === "sold_out";
    }

    function show(variant) {
      if (!variant) {
        variantRadios.forEach(function (radio) { radio.checked = false; });
        setHidden(missingEl, false);
        setHidden(stockEl, true);
        if (addButton) { addButton.disabled = true; }
        return;
      }
      var radio = variant.radio;
      radio.checked = true;
      setHidden(missingEl, true);
      setHidden(stockEl, false);
      if (priceEl) {
        priceEl.textContent = radio.getAttribute("data-variant-price");
      }
      var compare = radio.getAttribute("data-variant-compare");
      if (compareAmountEl) { compareAmountEl.textContent = compare; }
      setHidden(compareEl, !compare);
      setHidden(saleBadge, !compare);
      if (priceEl) { priceEl.classList.toggle("is-sale", !!compare); }
      var stock = radio.getAttribute("data-variant-stock");
      if (stockEl) {
        stockEl.textContent = radio.getAttribute("data-variant-stock-label");
        stockEl.className = "stock-state stock-" + stock;
      }
      if (addButton) { addButton.disabled = stock === "sold_out"; }
      var image = radio.getAttribute("data-variant-image");
      if (mainImage && image && mainImage.getAttribute("src") !== image) {
        showPicture(mainImage, image, radio.getAttribute("data-variant-image-alt"));
      }
    }

    variantRadios.forEach(function (radio) {
      radio.addEventListener("change", function () {
        show(variants.filter(function (v) { return v.radio === radio; })[0]);
      });
    });

    // Without option pills the radios are the picker: one chosen before this script ran (a slow
    // line, or a browser going back) is shown now, as a change would have shown it.
    var showChosenRadio = function () {
      var chosen = variants.filter(function (v) { return v.radio.checked; })[0];
      if (chosen) { show(chosen); }
    };
    if (!pickers) { showChosenRadio(); return; }
    var pills = Array.prototype.slice.call(pickers.querySelectorAll("input[data-option-name]"));
    if (!pills.length) { showChosenRadio(); return; }

    function chosen() {
      var choice = {};
      pills.forEach(function (pill) {
        if (pill.checked) { choice[pill.getAttribute("data-option-name")] = pill.value; }
      });
      return choice;
    }

    function matches(variant, choice) {
      return Object.keys(choice).every(function (name) {
        return String(variant.options[name]) === choice[name];
      });
    }

    function refresh() {
      var choice = chosen();
      var match = variants.filter(function (v) { return matches(v, choice); })[0] || null;
      show(match);
      // Grey out values that, with the other choices kept, would be sold out or not exist. The
      // struck-through look is said in words ("Sold out", in the option's name) when choosing the
      // value gets a sold-out variant: with the other choices kept, or, where that combination does
      // not exist, with whichever `follow` would move them to (every one with the value sold out).
      pills.forEach(function (pill) {
        var name = pill.getAttribute("data-option-name");
        var trial = Object.assign({}, choice);
        trial[name] = pill.value;
        var candidate = variants.filter(function (v) { return matches(v, trial); })[0];
        var unavailable = !candidate || soldOut(candidate);
        var withValue = variants.filter(function (v) { return String(v.options[name]) === pill.value; });
        var saysSoldOut = candidate ? soldOut(candidate) : withValue.length > 0 && withValue.every(soldOut);
        pill.parentNode.classList.toggle("is-unavailable", unavailable);
        setHidden(pill.parentNode.querySelector("[data-pill-sold-out]"), !saysSoldOut);
      });
      Array.prototype.forEach.call(pickers.querySelectorAll("[data-option-current]"), function (el) {
        var name = el.getAttribute("data-option-current");
        var pill = pills.filter(function (p) { return p.checked && p.getAttribute("data-option-name") === name; })[0];
        el.textContent = pill ? pill.getAttribute("data-option-label") : "";
      });
    }

    // Picking a value that has no variant with the other current choices (L in Navy when L
    // comes only in Oat) moves the other choices to the closest variant that has it, preferring
    // one in stock, instead of leaving the shopper on a dead end.
    function follow(pill) {
      var choice = chosen();
      if (variants.some(function (v) { return matches(v, choice); })) { return; }
      var name = pill.getAttribute("data-option-name");
      var withValue = variants.filter(function (v) { return String(v.options[name]) === pill.value; });
      var best = withValue.filter(function (v) { return !soldOut(v); })[0] || withValue[0];
      if (!best) { return; }
      pills.forEach(function (other) {
        var otherName = other.getAttribute("data-option-name");
        if (otherName !== name && String(best.options[otherName]) === other.value) { other.checked = true; }
      });
    }

    // The pills start from the variant chosen in the list, which a shopper on a slow line may have
    // changed before this script ran (the page draws the pills checked for its first choice):
    // otherwise `refresh` would quietly put the page's first choice back in the form.
    var listed = variants.filter(function (v) { return v.radio.checked; })[0];
    if (listed) {
      pills.forEach(function (pill) {
        var value = listed.options[pill.getAttribute("data-option-name")];
        if (value !== undefined) { pill.checked = String(value) === pill.value; }
      });
    }

    pills.forEach(function (pill) {
      pill.addEventListener("change", function () { follow(pill); refresh(); });
    });
    pickers.hidden = false;
    if (list) { list.hidden = true; }
    refresh();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-variant-picker]"), enhanceVariantPicker);

  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (form) {
    var button = form.querySelector("[data-autosubmit-button]");
    if (button) { button.hidden = true; }
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  });

  // The category bar scrolls sideways in a narrow tab. Chromium scrolls a focused link into view
  // only when none of it shows, so Tab could stop on "Calcetines" with just its edge in the bar
  // (WCAG 2.4.7, focus visible): bring the whole link in, clear of the edge by the bar's
  // scroll-padding-inline (static/css/shop.css). "nearest" moves nothing that already shows.
  Array.prototype.forEach.call(document.querySelectorAll(".category-nav ul"), function (bar) {
    bar.addEventListener("focusin", function (event) {
      var link = event.target.closest ? event.target.closest("a") : null;
      if (link && link.scrollIntoView) { link.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    });
  });

  // A review's photos (templates/reviews/write_macros.html, photo_field): the browser's own file
  // button speaks the browser's language. The input stays, focusable but unseen, behind a button
  // that is its second label; what was chosen is said in the page's words, and too many at once
  // is said before the form is sent.
  Array.prototype.forEach.call(document.querySelectorAll("[data-file-picker]"), function (field) {
    var input = field.querySelector("input[type=file]");
    var row = field.querySelector(".file-picker-row");
    var chosen = field.querySelector(".file-picker-chosen");
    if (!input || !row || !chosen) { return; }
    var sentences = (field.getAttribute("data-chosen") || "").split("|");
    function say() {
      var files = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      if (!files.length) {
        chosen.textContent = field.getAttribute("data-none");
      } else if (files.length > sentences.length) {
        chosen.textContent = field.getAttribute("data-too-many").replace("{count}", String(files.length));
      } else {
        chosen.textContent = sentences[files.length - 1].replace("{names}", files.join(", "));
      }
      field.classList.toggle("file-picker-too-many", files.length > sentences.length);
    }
    field.classList.add("file-picker-enhanced");
    row.hidden = false;
    input.addEventListener("change", say);
    say();
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-thumb]"), function (link) {
    link.addEventListener("click", function (event) {
      var main = document.querySelector("[data-main-image]");
      if (!main) { return; }
      event.preventDefault();
      var thumbImage = link.querySelector("img");
      showPicture(main, link.getAttribute("data-full"), thumbImage ? thumbImage.getAttribute("alt") : null);
    });
  });
})();
