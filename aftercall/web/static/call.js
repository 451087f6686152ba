// The call page: click a turn or a highlighted span and the audio jumps to that second; the
// turn being spoken is highlighted while it plays; keys u / r / n take the decision.
(function () {
  const player = document.getElementById("player");
  const turns = Array.from(document.querySelectorAll(".turn"));
  document.getElementById("transcript").addEventListener("click", (ev) => {
    const el = ev.target.closest("[data-start]");
    if (!el || el.dataset.start === "" || !player) return;
    player.currentTime = parseFloat(el.dataset.start);
    player.play().catch(() => {});
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
