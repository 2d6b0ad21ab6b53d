/* Live field errors. A message the server wrote under a field is about the value it judged: as
 * soon as the shopper changes that value the message is hidden and the field is no longer marked
 * invalid (aria-invalid and aria-describedby follow); put the judged value back and the message
 * returns. Nothing is judged here (the server stays the one judge, in the page's language): the
 * next submit decides. Without script the server's messages simply stay, as they always did.
 *
 * The judged value is the one the page was drawn with (the controls' default values), not the one
 * found when this script runs: a shopper on a slow line may already have corrected a field by
 * then, and that field's message is hidden at once, as an edit would have hidden it.
 */
(function () {
  "use strict";
  var MESSAGES = ".field-error, .error";
  var CONTROLS = "input:not([type=hidden]), select, textarea";
  var groups = [];

  // A control's value now, or (`drawn`) as the page was drawn: its default value, which is what
  // the server judged.
  function valueOf(control, drawn) {
    if (control.type === "checkbox" || control.type === "radio") {
      return String(drawn ? control.defaultChecked : control.checked);
    }
    if (control.tagName === "SELECT") {
      var options = Array.prototype.slice.call(control.options);
      var picked = options.filter(function (option) { return drawn ? option.defaultSelected : option.selected; });
      if (drawn && !control.multiple) {
        // One choice: the last marked selected, else the first that can be chosen (as browsers do).
        picked = picked.length ? picked.slice(-1)
          : options.filter(function (option) { return !option.disabled; }).slice(0, 1);
      }
      return picked.map(function (option) { return option.value; }).join("\u0001");
    }
    return drawn ? control.defaultValue : control.value;
  }

  function signature(group, drawn) {
    return group.controls.map(function (control) { return valueOf(control, drawn); }).join("\u0000");
  }

  function show(group, wrong) {
    group.messages.forEach(function (message) { message.hidden = !wrong; });
    group.box.classList.toggle("has-error", wrong && group.hadClass);
    group.controls.forEach(function (control, i) {
      if (group.invalid[i]) { control.setAttribute("aria-invalid", wrong ? "true" : "false"); }
      var described = group.described[i];
      if (described === null) { return; }
      var kept = wrong ? described : described.split(/\s+/).filter(function (id) {
        return group.messageIds.indexOf(id) === -1;
      }).join(" ");
      if (kept) { control.setAttribute("aria-describedby", kept); } else { control.removeAttribute("aria-describedby"); }
    });
  }

  function track(box) {
    var messages = Array.prototype.slice.call(box.querySelectorAll(MESSAGES));
    var controls = Array.prototype.slice.call(box.querySelectorAll(CONTROLS));
    if (!messages.length || !controls.length) { return; }
    var messageIds = [];
    messages.forEach(function (message) {
      for (var node = message; node && node !== box; node = node.parentElement) {
        if (node.id) { messageIds.push(node.id); }
      }
    });
    var group = {
      box: box, messages: messages, controls: controls, messageIds: messageIds,
      hadClass: box.classList.contains("has-error"),
      invalid: controls.map(function (c) { return c.getAttribute("aria-invalid") === "true"; }),
      described: controls.map(function (c) { return c.getAttribute("aria-describedby"); })
    };
    group.judged = signature(group, true);
    groups.push(group);
    if (signature(group) !== group.judged) { show(group, false); }  // corrected before this ran
  }

  function onEdit(event) {
    groups.forEach(function (group) {
      if (group.controls.indexOf(event.target) !== -1) { show(group, signature(group) === group.judged); }
    });
  }

  function start() {
    // A field's own box, or the fieldset of a group of choices (delivery, payment, rating).
    document.querySelectorAll(".field.has-error, fieldset").forEach(function (box) {
      if (box.matches("fieldset") && box.querySelector(".field.has-error")) { return; }
      track(box);
    });
    document.addEventListener("input", onEdit);
    document.addEventListener("change", onEdit);
    focusFirstRefused();
  }

  /* A form sent back with errors opens at its first refused field, focused: the page does not
   * open scrolled to its top with the message a screen away, and a screen reader reads the
   * field's label and message at once. The page's title says there are errors (the words, in the
   * page's language, are on <html data-error-title>). A field the page focuses itself (autofocus)
   * keeps the focus. */
  function focusFirstRefused() {
    var refused = Array.prototype.filter.call(
      document.querySelectorAll('[aria-invalid="true"]'),
      function (control) { return control.matches(CONTROLS) && !control.disabled && control.getClientRects().length; });
    if (!refused.length) { return; }
    var prefix = document.documentElement.getAttribute("data-error-title");
    if (prefix && document.title.indexOf(prefix) !== 0) { document.title = prefix + " " + document.title; }
    var active = document.activeElement;
    if (active && active !== document.body && active.matches(CONTROLS)) { return; }
    // In the middle of the screen, so that the message under the field shows with it.
    refused[0].focus({ preventScroll: true });
    refused[0].scrollIntoView({ block: "center" });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
