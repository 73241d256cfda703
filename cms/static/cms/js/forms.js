/*
 * One submission per press.
 *
 * A second press of a form's button while the browser is still sending the
 * first (a double click, an impatient tap on a slow connection) is ignored,
 * so a message, a meeting or a goal is not saved twice. Forms that send
 * themselves (the conversation, a reflection's autosave) stop the browser's
 * own submission and are left alone. A form is ready again when the person
 * comes back to the page, and after a few seconds in any case: a download
 * leaves the page where it is.
 */
(function () {
    "use strict";

    var READY_AGAIN_MS = 8000;

    function ready(form) {
        delete form.dataset.submitting;
        form.removeAttribute("aria-busy");
    }

    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") {
            return;
        }
        if (form.dataset.submitting) {
            event.preventDefault();
            return;
        }
        form.dataset.submitting = "true";
        form.setAttribute("aria-busy", "true");
        window.setTimeout(function () {
            ready(form);
        }, READY_AGAIN_MS);
    });

    window.addEventListener("pageshow", function () {
        document.querySelectorAll("form[data-submitting]").forEach(ready);
    });
})();
