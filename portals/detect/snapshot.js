// Collects what the detector needs to know about the page's form controls,
// in one pass, so the scoring runs in Go and can be tested on its own.
(() => {
  const clip = (s, n) => (s || "").replace(/\s+/g, " ").trim().slice(0, n || 120);
  const all = Array.from(document.getElementsByTagName("*"));
  const order = new Map(all.map((e, i) => [e, i]));
  const forms = Array.from(document.forms);
  const visible = (e) => {
    if (e.type === "hidden") return false;
    if (e.hidden || e.closest("[hidden],[aria-hidden=true] form,template,noscript")) return false;
    const st = getComputedStyle(e);
    if (st.display === "none" || st.visibility === "hidden" || st.visibility === "collapse") return false;
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    for (let p = e; p; p = p.parentElement) {
      const ps = getComputedStyle(p);
      if (ps.display === "none" || Number(ps.opacity) === 0) return false;
    }
    return true;
  };
  const labelOf = (e) => {
    const parts = [];
    if (e.labels) for (const l of e.labels) parts.push(l.innerText || l.textContent);
    const by = e.getAttribute("aria-labelledby");
    if (by) for (const id of by.split(/\s+/)) { const l = document.getElementById(id); if (l) parts.push(l.textContent); }
    return clip(parts.join(" "));
  };
  // Text just before the control: a table cell, a <dt>, a bare text node.
  const nearText = (e) => {
    let out = "";
    for (let n = e, depth = 0; n && depth < 3 && out.length < 40; n = n.parentElement, depth++) {
      for (let s = n.previousSibling, k = 0; s && k < 3 && out.length < 40; s = s.previousSibling, k++) {
        if (s.nodeType === 3) out = s.textContent + " " + out;
        else if (s.nodeType === 1 && !s.matches("input,select,textarea,button,script,style")) out = (s.innerText || s.textContent || "") + " " + out;
        else if (s.nodeType === 1) { k = 99; }
      }
    }
    return clip(out, 80);
  };
  // Where the control sits: a header box or a pop-up, or the page's main part.
  const where = (e) => {
    const parts = [];
    for (let n = e.parentElement, d = 0; n && d < 10; n = n.parentElement, d++) {
      const t = n.tagName.toLowerCase();
      if (t === "header" || t === "nav" || t === "aside" || t === "main" || t === "dialog") parts.push(t);
      parts.push(n.id, typeof n.className === "string" ? n.className : "");
    }
    return clip(parts.join(" "), 400);
  };
  const controls = Array.from(document.querySelectorAll(
    "input,button,textarea,select,a[role=button],[role=button],a[href],div[onclick],span[onclick]"));
  const out = [];
  for (const e of controls) {
    const tag = e.tagName.toLowerCase();
    const vis = visible(e);
    // Links and clickable containers only matter as buttons or methods:
    // keep the visible ones with short text.
    if ((tag === "a" || tag === "div" || tag === "span") && (!vis || clip(e.innerText, 200).length > 80)) continue;
    const type = tag === "input" ? (e.getAttribute("type") || "text").toLowerCase()
               : tag === "button" ? (e.getAttribute("type") || "submit").toLowerCase() : "";
    if (tag === "input" && type === "hidden") continue;
    const r = e.getBoundingClientRect();
    const f = e.form || e.closest("form");
    out.push({
      idx: order.get(e), tag, type,
      name: e.getAttribute("name") || "", id: e.id || "", cls: clip(typeof e.className === "string" ? e.className : "", 100),
      autocomplete: (e.getAttribute("autocomplete") || "").toLowerCase(),
      placeholder: clip(e.getAttribute("placeholder")), aria: clip(e.getAttribute("aria-label")), title: clip(e.getAttribute("title")),
      value: tag === "input" && (type === "submit" || type === "button" || type === "image" || type === "reset") ? clip(e.value || e.getAttribute("alt"), 60) : "",
      text: tag === "input" || tag === "select" || tag === "textarea" ? "" : clip(e.innerText || e.textContent || e.getAttribute("value"), 80),
      src: tag === "input" && type === "image" ? clip(e.getAttribute("src"), 120) : "",
      href: tag === "a" ? clip(e.getAttribute("href"), 120) : "",
      label: labelOf(e), near: nearText(e),
      inputmode: (e.getAttribute("inputmode") || "").toLowerCase(),
      maxlength: Number(e.getAttribute("maxlength")) || 0,
      pattern: e.getAttribute("pattern") || "",
      visible: vis, disabled: !!e.disabled,
      form: f ? forms.indexOf(f) : -1,
      formText: f ? clip([f.id, f.getAttribute("name"), f.className, f.getAttribute("action")].join(" "), 200) : "",
      x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), w: Math.round(r.width), h: Math.round(r.height),
      where: where(e),
      parent: e.parentElement ? order.get(e.parentElement) : -1,
      grand: e.parentElement && e.parentElement.parentElement ? order.get(e.parentElement.parentElement) : -1,
    });
  }
  return {
    url: location.href, title: clip(document.title, 200),
    text: clip(document.body ? document.body.innerText : "", 6000),
    controls: out,
  };
})()
