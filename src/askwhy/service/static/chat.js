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
  let conversation = null; // { id, token }: the token is the only key to the conversation
  let open = true;

  function saved() {
    try {
      const value = JSON.parse(localStorage.getItem(storageKey) || "null");
      return value && value.id && value.token ? value : null;
    } catch (error) {
      return null;
    }
  }

  function keep(value) {
    conversation = value;
    localStorage.setItem(storageKey, JSON.stringify(value));
  }

  // An invitation link (/c/<link>) answers this page with its conversation's token: keep it, and
  // show the chat's own address, so that neither the link nor the token stays in the address bar.
  if (root.dataset.token && root.dataset.conversation) {
    keep({ id: root.dataset.conversation, token: root.dataset.token });
    history.replaceState(null, "", root.dataset.home);
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

  function setOpen(status, takesAnswers) {
    // After the interview, a case waiting for the customer's answer still takes their messages.
    open = status === "active" || status === "invited" || takesAnswers === true;
    input.disabled = !open;
    send.disabled = !open;
    if (!open) {
      showChoices([]);
      statusLine.textContent = "This conversation has ended. Thank you.";
    }
  }

  function render(messages, status, takesAnswers) {
    let last = null;
    messages.forEach(function (m) {
      addMessage(m.direction || "out", m.text);
      if ((m.direction || "out") === "out") last = m;
    });
    showChoices(last ? last.choices : []);
    setOpen(status, takesAnswers);
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

  function json(body, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return { method: "POST", headers: headers, body: JSON.stringify(body) };
  }

  function conversationUrl(suffix) {
    return api + "/" + encodeURIComponent(conversation.id) + (suffix || "");
  }

  async function start() {
    const resumed = saved();
    if (resumed) {
      conversation = resumed;
      const response = await call(conversationUrl(), {
        method: "GET",
        headers: { Authorization: "Bearer " + resumed.token },
      });
      if (response.ok) {
        const data = await response.json();
        render(data.messages, data.status, data.takes_answers);
        return;
      }
      conversation = null;
      localStorage.removeItem(storageKey);
    }
    const language = (navigator.language || "en").slice(0, 2).toLowerCase();
    const response = await call(api, json({ program: program, language: language }));
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || "error");
    keep({ id: data.conversation_id, token: data.token });
    render(data.messages, data.status, data.takes_answers);
  }

  async function submit(text, choiceId) {
    text = text.trim();
    if (!text || !open || !conversation) return;
    addMessage("in", text);
    showChoices([]);
    input.value = "";
    send.disabled = true;
    statusLine.textContent = "Sending…";
    const body = { text: text, choice_id: choiceId || null, client_message_id: newId() };
    try {
      const response = await call(conversationUrl("/messages"), json(body, conversation.token));
      const data = await response.json();
      if (response.status === 409) {
        setOpen("completed");
        return;
      }
      if (response.status === 429) {
        statusLine.textContent = "That was quick! Please wait a moment, then send it again.";
        log.lastElementChild.remove();
        input.value = text;
        send.disabled = false;
        return;
      }
      if (!response.ok) throw new Error(data.detail || "error");
      statusLine.textContent = "";
      render(data.messages, data.status, data.takes_answers);
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
