// folioviz bit field (anywidget): one <button> per bit of folio->mapping, grouped by byte, tag bits set apart.
// Python sends the word (hex), the width and each bit's role; a click flips the bit here at once, then syncs.
function render({ model, el }) {
  let btns = [], order = [], cur = -1, notebookKey = false;
  const mk = (tag, cls, text) => {
    const e = document.createElement(tag);
    e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  const word = () => BigInt(model.get("word"));
  const hex = (v, n) => v.toString(16).padStart(n, "0");
  const move = (n, focus) => {
    if (btns[cur]) btns[cur].tabIndex = -1;
    cur = n;
    btns[n].tabIndex = 0;
    if (focus) btns[n].focus();
  };
  const flip = (n) => {
    model.set("word", "0x" + hex(word() ^ (1n << BigInt(n)), model.get("width") / 4));
    model.save_changes();
    move(n);
  };
  // On window, in the capture phase: before Notebook 7's command-mode shortcuts take the arrow keys.
  // Keys with a modifier (Shift+Enter, Ctrl+Enter: run the cell) belong to the notebook: they pass
  // untouched, and the click a browser makes for Enter/Space on a button does not flip the bit.
  const key = (e) => {
    if (!e.target.classList || !e.target.classList.contains("fv-bit") || !el.contains(e.target)) return;
    const modified = e.ctrlKey || e.metaKey || e.altKey || e.shiftKey;
    notebookKey = modified && (e.key === " " || e.key === "Enter");
    if (modified) return;
    const i = order.indexOf(cur), last = order.length - 1;
    const to = { ArrowLeft: i - 1, ArrowUp: i - 1, ArrowRight: i + 1, ArrowDown: i + 1, Home: 0, End: last }[e.key];
    if (e.key === " " || e.key === "Enter") flip(cur);
    else if (to === undefined) return;
    else move(order[Math.max(0, Math.min(last, to))], true);
    e.preventDefault();
    e.stopPropagation();
  };
  const paint = () => {
    const w = word(), roles = model.get("roles");
    btns.forEach((b, n) => {
      const v = Number((w >> BigInt(n)) & 1n);
      b.textContent = v;
      b.classList.toggle("fv-on", v === 1);
      b.setAttribute("aria-label", (b.title = `bit ${n}, ${roles[n]}, ${v}`));
    });
    el.querySelectorAll("[data-byte]").forEach((l) => {
      const i = +l.dataset.byte;
      l.textContent = `byte ${i} · bits ${i * 8 + 7}–${i * 8} · 0x${hex((w >> BigInt(8 * i)) & 255n, 2)}`;
    });
  };
  const build = () => {
    const width = model.get("width"), roles = model.get("roles"), had = el.contains(document.activeElement);
    const root = mk("div", "fv-bf"), tags = [];
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", `folio->mapping, ${width} bits`);
    btns = [];
    order = [];
    const group = (cls, label, bits) => {
      const g = mk("div", "fv-bf-group " + cls), l = mk("div", "fv-bf-label", label), row = mk("div", "fv-bf-row");
      for (const n of bits) {
        const role = roles[n], b = mk("button", `fv-bit fv-bit-${n} fv-role-${role.replace(/\W/g, "-")}`);
        if (role === "tag") b.classList.add("fv-tag-bit");
        b.type = "button";
        b.tabIndex = -1;
        b.onclick = (e) => {
          if (e.detail === 0 && notebookKey) notebookKey = false; // the browser's click for Shift+Enter
          else flip(n);
        };
        b.onfocus = () => move(n);
        b.onkeyup = (e) => e.key === " " && e.preventDefault();
        btns[n] = b;
        order.push(n);
        row.append(b);
      }
      g.append(l, row);
      root.append(g);
      return l;
    };
    for (let i = width / 8 - 1; i >= 0; i--) {
      const bits = [];
      for (let n = i * 8 + 7; n >= i * 8; n--) (roles[n] === "tag" ? tags : bits).push(n);
      if (bits.length) group("fv-bf-byte", "", bits).dataset.byte = i;
    }
    if (tags.length) group("fv-bf-tag", `tag · bits ${tags[0]}–${tags[tags.length - 1]}`, tags);
    el.replaceChildren(root);
    move(btns[cur] ? cur : order[0], had);
    paint();
  };
  model.on("change:word", paint);
  model.on("change:roles change:width", build);
  window.addEventListener("keydown", key, true);
  build();
  return () => {
    window.removeEventListener("keydown", key, true);
    model.off("change:word", paint);
    model.off("change:roles change:width", build);
  };
}
export default { render };
