/*
 * Reflections save themselves while the author types.
 *
 * The page works without this file: the form posts normally and the server
 * redirects back. With it, each pause in typing (1.5 s) sends the form to the
 * same URL asking for JSON, and the hidden version field follows the server so
 * the next save is not mistaken for a stale one. If the reflection was changed
 * elsewhere (HTTP 409), autosave stops and the author sees both texts and
 * chooses; nothing is overwritten without them choosing.
 */
(function () {
    "use strict";

    var DELAY_MS = 1500;

    function setUp(form) {
        var textarea = form.querySelector("textarea[name='text']");
        var version = form.querySelector("input[name='version']");
        var shared = form.querySelector("input[name='shared']");
        var status = form.querySelector("[data-autosave-status]");
        var conflict = form.querySelector("[data-conflict]");
        if (!textarea || !version || !status) {
            return;
        }
        var timer = null;
        var saving = false;
        var again = false;
        var paused = false;
        var stored = null;

        function say(label) {
            status.textContent = form.dataset[label] || "";
        }

        function csrfToken() {
            var input = form.querySelector("input[name='csrfmiddlewaretoken']");
            return input ? input.value : "";
        }

        function showConflict(data) {
            stored = data;
            paused = true;
            if (!conflict) {
                return;
            }
            conflict.querySelector("[data-conflict-mine]").textContent = textarea.value;
            conflict.querySelector("[data-conflict-saved]").textContent = data.text;
            conflict.hidden = false;
            conflict.querySelector("[data-keep-mine]").focus();
        }

        function closeConflict() {
            if (conflict) {
                conflict.hidden = true;
            }
            paused = false;
            textarea.focus();
        }

        function save() {
            timer = null;
            if (paused) {
                return;
            }
            if (saving) {
                again = true;
                return;
            }
            if (!version.value && !textarea.value.trim()) {
                return;
            }
            saving = true;
            say("labelSaving");
            fetch(form.action, {
                method: "POST",
                body: new FormData(form),
                credentials: "same-origin",
                headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
            })
                .then(function (response) {
                    return response.json().then(function (data) {
                        if (response.ok) {
                            version.value = data.version;
                            say("labelSaved");
                        } else if (response.status === 409) {
                            say("labelConflict");
                            showConflict(data);
                        } else {
                            status.textContent = data.message || form.dataset.labelFailed;
                        }
                    });
                })
                .catch(function () {
                    say("labelFailed");
                })
                .then(function () {
                    saving = false;
                    if (again && !paused) {
                        again = false;
                        save();
                    }
                });
        }

        function later() {
            if (timer) {
                window.clearTimeout(timer);
            }
            timer = window.setTimeout(save, DELAY_MS);
        }

        textarea.addEventListener("input", later);
        if (shared) {
            shared.addEventListener("change", later);
        }
        form.addEventListener("submit", function () {
            if (timer) {
                window.clearTimeout(timer);
            }
            paused = true;
        });

        if (conflict) {
            conflict.querySelector("[data-keep-mine]").addEventListener("click", function () {
                version.value = stored.version;
                closeConflict();
                save();
            });
            conflict.querySelector("[data-use-saved]").addEventListener("click", function () {
                textarea.value = stored.text;
                version.value = stored.version;
                if (shared) {
                    shared.checked = stored.shared;
                }
                closeConflict();
                say("labelSaved");
            });
        }
    }

    document.querySelectorAll("form[data-autosave]").forEach(setUp);
})();
