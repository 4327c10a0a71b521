// askwhy web chat: starts or resumes a conversation and exchanges messages with the API.
(function () {
  "use strict";
  const root = document.querySelector(".chat");
  const api = root.dataset.api;
  const program = root.dataset.program;
  const storageKey = "askwhy:conversation:" + program;
  const log = document.getElementById("log");
  const choices = document.getElementById("choices");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const statusLine = document.getElementById("status");
  let conversationId = null;
  let open = true;

  // An invitation link (/c/<token>) lands here as ?c=<conversation id>: resume that conversation,
  // and drop the parameter so a reload resumes it the usual way.
  const linked = new URLSearchParams(window.location.search).get("c");
  if (linked) {
    localStorage.setItem(storageKey, linked);
    const url = new URL(window.location.href);
    url.searchParams.delete("c");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function addMessage(direction, text) {
    const item = document.createElement("li");
    item.className = "msg msg--" + direction;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = direction === "in" ? "You: " : "Us: ";
    item.append(who, document.createTextNode(text));
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function showChoices(list) {
    choices.replaceChildren();
    (list || []).forEach(function (choice) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title;
      button.addEventListener("click", function () { submit(choice.title, choice.id); });
      choices.append(button);
    });
  }

  function setOpen(status) {
    open = status === "active" || status === "invited";
    input.disabled = !open;
    send.disabled = !open;
    if (!open) {
      showChoices([]);
      statusLine.textContent = "This conversation has ended. Thank you.";
    }
  }

  function render(messages, status) {
    let last = null;
    messages.forEach(function (m) {
      addMessage(m.direction || "out", m.text);
      if ((m.direction || "out") === "out") last = m;
    });
    showChoices(last ? last.choices : []);
    setOpen(status);
  }

  async function call(url, options) {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await fetch(url, options);
        if (response.status >= 500) throw new Error("server " + response.status);
        return response;
      } catch (error) {
        if (attempt === 2) throw error;
        await new Promise(function (r) { setTimeout(r, 500 * (attempt + 1)); });
      }
    }
  }

  function json(body) {
    return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  }

  async function start() {
    const saved = localStorage.getItem(storageKey);
    if (saved) {
      const response = await call(api + "/" + encodeURIComponent(saved), { method: "GET" });
      if (response.ok) {
        const data = await response.json();
        conversationId = data.id;
        render(data.messages, data.status);
        return;
      }
      localStorage.removeItem(storageKey);
    }
    const language = (navigator.language || "en").slice(0, 2).toLowerCase();
    const response = await call(api, json({ program: program, language: language }));
    const data = await response.json();
    conversationId = data.conversation_id;
    localStorage.setItem(storageKey, conversationId);
    render(data.messages, data.status);
  }

  async function submit(text, choiceId) {
    text = text.trim();
    if (!text || !open || !conversationId) return;
    addMessage("in", text);
    showChoices([]);
    input.value = "";
    send.disabled = true;
    statusLine.textContent = "Sending…";
    const body = { text: text, choice_id: choiceId || null, client_message_id: newId() };
    try {
      const response = await call(api + "/" + encodeURIComponent(conversationId) + "/messages", json(body));
      const data = await response.json();
      if (!response.ok) throw new Error(data.detail || "error");
      statusLine.textContent = "";
      render(data.messages, data.status);
    } catch (error) {
      statusLine.textContent = "Your message could not be sent. Please try again.";
      send.disabled = false;
    }
    if (open) input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(input.value);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit(input.value);
    }
  });

  start().then(function () { if (open) input.focus(); }).catch(function () {
    statusLine.textContent = "The chat could not be loaded. Please refresh the page.";
  });
})();
