/*
 * The conversation without reloading the page.
 *
 * The page works without this file: the form posts and the server redirects
 * back, and a reload shows new messages. With it, sending posts the form to
 * the same URL asking for JSON and then fetches what is new; and every 15
 * seconds while the page is visible it asks the server for messages after
 * the newest one shown. The server sends each message as HTML it rendered
 * through the sanitiser; nothing typed is turned into HTML here.
 */
(function () {
    "use strict";

    var POLL_MS = 15000;

    function setUp(box) {
        var list = box.querySelector("[data-messages]");
        var empty = box.querySelector("[data-conversation-empty]");
        var news = box.querySelector("[data-conversation-news]");
        var form = document.querySelector("form[data-message-form]");
        var pollUrl = box.dataset.pollUrl;
        var after = box.dataset.after || "";
        var polling = !("noPoll" in box.dataset);
        // Each fetch waits for the one before it, so messages arrive once and in order.
        var queue = Promise.resolve();

        function append(messages, replace) {
            if (replace) {
                list.textContent = "";
            }
            messages.forEach(function (message) {
                if (list.querySelector("[data-message='" + message.uuid + "']")) {
                    return;
                }
                var holder = document.createElement("template");
                holder.innerHTML = message.html.trim();
                list.appendChild(holder.content);
                after = message.uuid;
            });
            if (empty) {
                empty.hidden = list.children.length > 0;
            }
        }

        function fetchNew(announce) {
            queue = queue.then(function () {
                return load(announce);
            });
            return queue;
        }

        function load(announce) {
            var url = pollUrl + (after ? "?after=" + encodeURIComponent(after) : "");
            return fetch(url, {
                credentials: "same-origin",
                headers: { Accept: "application/json" },
            })
                .then(function (response) {
                    return response.ok ? response.json() : null;
                })
                .then(function (data) {
                    if (!data) {
                        return;
                    }
                    var count = data.messages.length;
                    append(data.messages, data.replace);
                    if (announce && count && news) {
                        news.textContent =
                            count === 1 ? box.dataset.labelOneNew || "" : box.dataset.labelManyNew || "";
                    }
                })
                .catch(function () {});
        }

        function schedule() {
            if (!polling) {
                return;
            }
            window.setTimeout(function () {
                if (document.hidden) {
                    schedule();
                    return;
                }
                fetchNew(true).then(schedule);
            }, POLL_MS);
        }

        if (form) {
            var textarea = form.querySelector("textarea[name='text']");
            var status = form.querySelector("[data-message-status]");
            var csrf = form.querySelector("input[name='csrfmiddlewaretoken']");

            // One message per press: a second press while the first is sending is ignored.
            var sending = false;

            form.addEventListener("submit", function (event) {
                event.preventDefault();
                if (sending) {
                    return;
                }
                sending = true;
                status.textContent = form.dataset.labelSending;
                fetch(form.action, {
                    method: "POST",
                    body: new FormData(form),
                    credentials: "same-origin",
                    headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
                })
                    .then(function (response) {
                        return response.json().then(function (data) {
                            if (response.ok) {
                                textarea.value = "";
                                status.textContent = form.dataset.labelSent;
                                return fetchNew(false);
                            }
                            status.textContent = data.message || form.dataset.labelFailed;
                            textarea.focus();
                        });
                    })
                    .catch(function () {
                        status.textContent = form.dataset.labelFailed;
                    })
                    .then(function () {
                        sending = false;
                    });
            });
        }

        schedule();
    }

    var box = document.querySelector("[data-conversation]");
    if (box) {
        setUp(box);
    }
})();
