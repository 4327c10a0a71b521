// askwhy widget: one <script> tag adds a feedback button that opens the web chat in a panel.
// <script src="https://feedback.example.com/widget.js" data-program="post-checkout" defer></script>
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const program = script.dataset.program;
  const origin = new URL(script.src, location.href).origin;
  const label = script.dataset.label || "Give feedback";

  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "askwhy-panel");
  button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:12px 18px;" +
    "border:0;border-radius:24px;background:#2554c7;color:#fff;font:600 15px system-ui,sans-serif;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.2);cursor:pointer;min-height:44px";

  const frame = document.createElement("iframe");
  frame.id = "askwhy-panel";
  frame.title = "Feedback chat";
  frame.hidden = true;
  // The framed chat page starts the conversation and keeps its token (in the frame's own storage,
  // never this page's): the host page cannot read the customer's conversation.
  frame.src = origin + "/chat/" + encodeURIComponent(program);
  frame.style.cssText = "position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(380px,calc(100vw - 40px));" +
    "height:min(600px,calc(100vh - 110px));border:0;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff";

  button.addEventListener("click", function () {
    const opening = frame.hidden;
    frame.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) frame.focus();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !frame.hidden) {
      frame.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
  document.body.append(button, frame);
})();
