// The call page: click a turn, its time or a highlighted span (or focus one and press Enter
// or Space) and the audio jumps to that second; the turn being spoken is highlighted while it
// plays; keys u / r / n take the decision.
(function () {
  const player = document.getElementById("player");
  const turns = Array.from(document.querySelectorAll(".turn"));
  const transcript = document.getElementById("transcript");
  function jump(el) {
    if (!el || el.dataset.start === "" || !player) return false;
    player.currentTime = parseFloat(el.dataset.start);
    player.play().catch(() => {});
    return true;
  }
  transcript.addEventListener("click", (ev) => jump(ev.target.closest("[data-start]")));
  // highlights are focusable spans, not buttons: give them a button's keys
  transcript.addEventListener("keydown", (ev) => {
    if ((ev.key === "Enter" || ev.key === " ") && ev.target.matches("mark[data-start]")) {
      if (jump(ev.target)) ev.preventDefault();
    }
  });
  if (player) {
    player.addEventListener("timeupdate", () => {
      const t = player.currentTime;
      for (const turn of turns) {
        const s = parseFloat(turn.dataset.start), e = parseFloat(turn.dataset.end);
        turn.classList.toggle("playing", s <= t && t < e);
      }
    });
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const value = { u: "unresolved", r: "resolved", n: "not_a_problem" }[ev.key];
    if (!value) return;
    const button = document.querySelector(`#decision button[value="${value}"]`);
    if (button) button.click();
  });
})();
